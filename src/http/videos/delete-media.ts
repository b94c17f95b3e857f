import type { JobRecord, JobStore } from '../../jobs/types.js';
import type { MediaStore } from '../../storage/types.js';
import type { VideoThumbnails } from './thumbnails.js';

/**
 * Removes a deleted job's stored files: results, references, mask and thumbnails. Storage is
 * content-addressed, so a file is kept while any live job still refers to it (the same render or
 * the same uploaded image). Call after the job is marked deleted, so two jobs deleted at once
 * cannot each keep the file for the other.
 */
export async function deleteJobMedia(
  job: JobRecord,
  deps: { jobs: Pick<JobStore, 'isMediaReferenced'>; media: MediaStore; thumbnails: VideoThumbnails },
): Promise<void> {
  const keys = new Set([
    ...job.results.map((r) => r.key),
    ...job.request.references.map((r) => r.key),
    ...(job.request.mask ? [job.request.mask.key] : []),
  ]);
  for (const key of keys) {
    if (await deps.jobs.isMediaReferenced(key, job.id)) continue;
    const thumbnail = await deps.thumbnails.forget(key);
    if (thumbnail && !(await deps.jobs.isMediaReferenced(thumbnail, job.id))) await deps.media.remove(thumbnail);
    await deps.media.remove(key);
  }
}
