import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

/** Seconds a client is asked to wait before retrying: about the time a supervisor takes to restart the process. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Raised once, when the gateway starts stopping (SIGTERM, SIGINT or `close()`). Routes that wait for
 * a job listen to `signal` and answer with the job's id instead of holding the connection until the
 * process is gone; the job itself keeps its row and resumes on the next start.
 */
export class ShutdownSignal {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  begin(): void {
    this.controller.abort();
  }
}

/**
 * The 503 a request gets while the gateway stops. With a job it names it and how to follow it; the
 * official clients retry it (`x-should-retry: true`) with the same Idempotency-Key, which joins the
 * same job after the restart.
 */
export function shuttingDownError(jobId?: string): ApiError {
  const message = jobId
    ? `The server is restarting. Job ${jobId} keeps running and resumes when the server is back: ` +
      `follow it with GET /v1/jobs/${jobId}, or retry this request with the same Idempotency-Key to get its result.`
    : 'The server is restarting and takes no new requests; retry in a few seconds.';
  return new ApiError(503, message, 'server_error', null, 'server_shutting_down', {
    'retry-after': String(RETRY_AFTER_SECONDS),
    'x-should-retry': 'true',
    // The connection goes away with the process: the retry must open a new one.
    connection: 'close',
    ...(jobId && { 'x-mediagate-job-id': jobId }),
  });
}

/** Sends `shuttingDownError` directly, so no later error mapping can change its retry headers. */
export function answerShuttingDown(reply: FastifyReply, jobId?: string): FastifyReply {
  const error = shuttingDownError(jobId);
  return reply.status(error.status).headers(error.headers).send(error.toBody());
}
