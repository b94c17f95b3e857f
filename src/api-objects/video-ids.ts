/*
 * A video's id is its job's id under the Videos API prefix: `job_abc…` is `video_abc…`. Chat
 * responses carry `chatcmpl-job_abc…` and the `x-mediagate-job-id` header `job_abc…`; all three
 * forms find the same video, so a chat client whose stream dropped can fetch the result here.
 */

const JOB_PREFIX = 'job_';
const VIDEO_PREFIX = 'video_';
const CHAT_PREFIX = 'chatcmpl-';

/** Only these characters appear in ids we hand out; anything else cannot name a job. */
const ID_CHARS = /^[A-Za-z0-9_-]{1,128}$/;

export function toVideoId(jobId: string): string {
  return jobId.startsWith(JOB_PREFIX) ? `${VIDEO_PREFIX}${jobId.slice(JOB_PREFIX.length)}` : `${VIDEO_PREFIX}${jobId}`;
}

/** The job id a video id (or job id, or chat completion id) names; undefined when it cannot name one. */
export function jobIdFromVideoId(id: string): string | undefined {
  if (!ID_CHARS.test(id)) return undefined;
  const bare = id.startsWith(CHAT_PREFIX) ? id.slice(CHAT_PREFIX.length) : id;
  if (bare.startsWith(VIDEO_PREFIX)) return `${JOB_PREFIX}${bare.slice(VIDEO_PREFIX.length)}`;
  return bare.startsWith(JOB_PREFIX) ? bare : undefined;
}
