import { jobIdFromVideoId } from '../api-objects/video-ids.js';
import type { JobRecord } from '../jobs/types.js';
import { ApiError } from './errors.js';
import type { GatewayServices } from './services.js';

/**
 * The caller's job with this id, or null. Someone else's job is reported exactly like a missing one,
 * so ids cannot be probed; each route words its own 404.
 */
export async function findOwnJob(
  services: Pick<GatewayServices, 'findJob'>,
  apiKeyId: string,
  jobId: string,
): Promise<JobRecord | null> {
  const job = await services.findJob(jobId);
  return job && job.apiKeyId === apiKeyId ? job : null;
}

/**
 * The caller's job named by any id a client holds for it (`job_…`, `chatcmpl-job_…`, `resp_job_…` or
 * `video_…`), or the 404 `job_not_found` of the `/v1/jobs/{id}` routes.
 */
export async function requireOwnJob(
  services: Pick<GatewayServices, 'findJob'>,
  apiKeyId: string,
  id: string,
): Promise<JobRecord> {
  const job = await findOwnJob(services, apiKeyId, jobIdFromVideoId(id) ?? id);
  if (!job) throw new ApiError(404, `No job with id '${id}'.`, 'invalid_request_error', 'id', 'job_not_found');
  return job;
}
