import type { JobRecord } from '../jobs/types.js';
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
