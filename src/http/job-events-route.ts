import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toJobObject } from '../api-objects/job-object.js';
import { TERMINAL_STATUSES, type JobRecord, type JobStatus } from '../jobs/types.js';
import { jobIdParams } from './jobs-route.js';
import { errorResponse } from './openapi/response-schemas.js';
import { requireOwnJob } from './own-job.js';
import type { GatewayServices } from './services.js';
import { shuttingDownError } from './shutdown-signal.js';
import { SseStream } from './sse.js';

const jobEventStream = z.string().meta({
  contentMediaType: 'text/event-stream',
  description:
    '`event: progress` with `data: {"id","object":"generation.job.progress","progress"}` (the current progress first, then each change), ' +
    'then one of `event: completed`, `event: failed`, `event: cancelled` with the job object (as `GET /v1/jobs/{job_id}`), and the stream ends. ' +
    'A job that has already ended answers its final event at once. Comment lines (`: keep-alive`) keep idle connections open. ' +
    'When the server stops first, the stream ends with `event: error` and the error envelope (`server_shutting_down`): open it again.',
});

const schema = {
  operationId: 'streamJobEvents',
  tags: ['Jobs'],
  summary: "Follow a job's progress and end as server-sent events",
  description:
    'For a client that lost its chat or Responses stream: the same job, from any instance of the gateway, until it ends.',
  params: jobIdParams,
  response: {
    200: { description: 'The job’s events.', content: { 'text/event-stream': { schema: jobEventStream } } },
    404: errorResponse,
  },
};

/** The event that ends a job's stream, named after how it ended. */
const FINAL_EVENT: Partial<Record<JobStatus, string>> = {
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** `GET /v1/jobs/{id}/events`: a job's progress and its end as SSE, whichever instance runs it. */
export async function jobEventsRoute(app: FastifyInstance, services: GatewayServices): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get('/v1/jobs/:job_id/events', { schema }, async (request, reply) => {
    const job = await requireOwnJob(services, request.apiKey.id, request.params.job_id);
    reply.hijack();
    const stream = new SseStream(reply.raw, { 'x-mediagate-job-id': job.id });
    const sendProgress = (progress: number) =>
      stream.sendEvent('progress', { id: job.id, object: 'generation.job.progress', progress });
    const sendEnd = (ended: JobRecord) => {
      stream.sendEvent(FINAL_EVENT[ended.status] ?? ended.status, toJobObject(ended, services.mediaUrl));
      stream.end();
    };
    if (TERMINAL_STATUSES.includes(job.status)) return sendEnd(job);

    const untrack = services.keepAlive.track(stream);
    let lastProgress = job.progress;
    let done = false;
    const stop = () => {
      done = true;
      unsubscribe();
      untrack();
    };
    sendProgress(lastProgress);
    const unsubscribe = services.runner.follow(job.id, (event) => {
      if (done) return;
      if (event.type === 'finished') {
        stop();
        return sendEnd(event.job);
      }
      if (event.progress > lastProgress) {
        lastProgress = event.progress;
        sendProgress(event.progress);
      }
    });
    stream.onClose(() => {
      if (!done) stop();
    });
    // This instance is stopping; the job is not over and any instance answers this same URL.
    stream.onShutdown(() => {
      if (done) return;
      stop();
      stream.sendEvent('error', shuttingDownError(job.id).toBody());
    });
  });
}
