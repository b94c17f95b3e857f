import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobRecord } from '../jobs/types.js';
import type { GatewayServices } from './services.js';
import { answerShuttingDown } from './shutdown-signal.js';

/**
 * Waits for a job a non-streaming request created. Null when there is nothing left to answer here:
 * the client left (the job belongs to the gateway, not the connection, and keeps running), or the
 * gateway is stopping and the request has already been answered with a 503 naming the job.
 */
export async function awaitFinishedJob(
  services: Pick<GatewayServices, 'runner' | 'shutdown'>,
  request: FastifyRequest,
  reply: FastifyReply,
  jobId: string,
): Promise<JobRecord | null> {
  const gone = new AbortController();
  request.raw.once('close', () => gone.abort());
  reply.raw.once('close', () => gone.abort());
  // A request that reached this point after the stop began answers at once rather than waiting for nothing.
  const finished = services.shutdown.stopping
    ? null
    : await services.runner.waitFor(jobId, AbortSignal.any([gone.signal, services.shutdown.signal]));
  if (finished || gone.signal.aborted || !services.shutdown.stopping) return finished;
  services.shutdown.handOff(jobId);
  answerShuttingDown(reply, jobId);
  return null;
}
