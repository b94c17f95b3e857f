import type { FastifyRequest } from 'fastify';
import type { JobRecord } from '../../jobs/types.js';
import { ApiError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { jobIdFromVideoId } from '../../api-objects/video-ids.js';

export function videoNotFound(id: string): ApiError {
  return new ApiError(
    404,
    `No video found with id '${id.slice(0, 128)}'.`,
    'invalid_request_error',
    'video_id',
    'video_not_found',
  );
}

/**
 * The caller's video job named by `id` (`video_…`, `job_…` or `chatcmpl-job_…`). Someone else's
 * video, an image job and a deleted video are all reported like a missing one.
 */
export async function findOwnedVideo(
  services: GatewayServices,
  request: FastifyRequest,
  id: string,
): Promise<JobRecord> {
  const jobId = jobIdFromVideoId(id);
  const job = jobId ? await services.findJob(jobId) : null;
  if (!job || job.apiKeyId !== request.apiKey.id || job.kind !== 'video' || job.deletedAt) throw videoNotFound(id);
  return job;
}

export function notReady(job: JobRecord, id: string, what: string): ApiError {
  const state = job.status === 'succeeded' ? 'completed' : job.status === 'running' ? 'in_progress' : job.status;
  return new ApiError(409, `Video ${id} is ${state}; ${what}`, 'invalid_request_error', 'video_id', 'video_not_ready');
}
