import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { toJobObject } from '../api-objects/job-object.js';
import { jobIdFromVideoId } from '../api-objects/video-ids.js';
import type { GatewayServices } from './services.js';

/**
 * `GET /v1/jobs/{id}`: follow any generation by id (the chat response's `x-mediagate-job-id`, or its
 * id without the `chatcmpl-` prefix), so a client whose stream dropped can still fetch the result.
 */
export async function jobRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const ownJob = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    // Any id a client holds for the job works: `job_…`, `chatcmpl-job_…` or `video_…`.
    const job = await services.findJob(jobIdFromVideoId(request.params.id) ?? request.params.id);
    // Someone else's job is reported exactly like a missing one, so ids cannot be probed.
    if (!job || job.apiKeyId !== request.apiKey.id) {
      throw new ApiError(404, `No job with id '${request.params.id}'.`, 'invalid_request_error', 'id', 'job_not_found');
    }
    return job;
  };
  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request) => toJobObject(await ownJob(request), services.mediaUrl));

  /** Stops an unfinished job (and its upstream task where the protocol can); a finished job is a 409. */
  app.post<{ Params: { id: string } }>('/v1/jobs/:id/cancel', async (request) => {
    const job = await ownJob(request);
    const cancelled = await services.runner.cancel(job.id);
    if (!cancelled) {
      // It may have finished while the cancel was on its way: name the outcome it actually has.
      const outcome = (await services.findJob(job.id))?.status ?? job.status;
      throw new ApiError(409, `Job '${job.id}' has already finished (${outcome}).`, 'invalid_request_error', 'id', 'job_already_finished');
    }
    return toJobObject(cancelled, services.mediaUrl);
  });
}
