import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adjustmentLines } from '../intent/adjustment-text.js';
import type { JobRecord } from '../jobs/types.js';
import { ApiError } from './errors.js';
import { jobIdFromVideoId } from './videos/ids.js';
import type { GatewayServices } from './services.js';

/** The public view of a job: what was asked, where it stands, and links to its results. */
export function toJobObject(job: JobRecord, mediaUrl: (key: string) => string) {
  return {
    id: job.id,
    object: 'generation.job',
    model: job.model,
    kind: job.kind,
    status: job.status,
    progress: job.status === 'succeeded' ? 100 : job.progress,
    prompt: job.request.prompt,
    size: `${job.request.width}x${job.request.height}`,
    aspect_ratio: job.request.aspectRatio,
    seconds: job.request.seconds ?? null,
    n: job.request.n,
    adjustments: adjustmentLines(job.request),
    results: job.results.map((r) => ({ url: mediaUrl(r.key), content_type: r.contentType, bytes: r.bytes, width: r.width ?? null, height: r.height ?? null, seconds: r.seconds ?? null })),
    error: job.error ? { code: job.error.code, message: job.error.message, stage: job.error.stage ?? null, category: job.error.category ?? null } : null,
    upstream: { channel: job.channel, submit_attempts: job.submitAttempts, status_calls: job.statusCalls, usage: job.usage },
    created_at: Math.floor(job.createdAt / 1000),
    completed_at: job.completedAt === null ? null : Math.floor(job.completedAt / 1000),
  };
}

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
