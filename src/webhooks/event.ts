import { toJobObject } from '../api-objects/job-object.js';
import { toVideoObject } from '../api-objects/video-object.js';
import type { JobRecord } from '../jobs/types.js';

export type WebhookEventType = 'video.completed' | 'video.failed' | 'image.completed' | 'image.failed';

/**
 * The event a finished job announces, or null while it is running. Video events carry the Video
 * object (as GET /v1/videos/{id}); image events the job object (as GET /v1/jobs/{id}), which holds
 * the image links.
 */
export function webhookEventFor(
  job: JobRecord,
  mediaUrl: (key: string) => string,
): { type: WebhookEventType; data: unknown } | null {
  if (job.status === 'queued' || job.status === 'running') return null;
  const outcome = job.status === 'succeeded' ? 'completed' : 'failed';
  if (job.kind === 'video') return { type: `video.${outcome}`, data: toVideoObject(job) };
  return { type: `image.${outcome}`, data: toJobObject(job, mediaUrl) };
}
