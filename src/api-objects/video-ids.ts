/*
 * A video's id is its job's id under the Videos API prefix: `job_abc…` is `video_abc…`. Chat
 * responses carry `chatcmpl-job_abc…`, Responses API ones `resp_job_abc…`, and the `x-mediagate-job-id`
 * header `job_abc…`; all these forms find the same job, so a client whose stream dropped can fetch
 * the result with the id it holds.
 */

const JOB_PREFIX = 'job_';
const VIDEO_PREFIX = 'video_';
const ANSWER_PREFIXES = ['chatcmpl-', 'resp_'];

/** Only these characters appear in ids we hand out; anything else cannot name a job. */
const ID_CHARS = /^[A-Za-z0-9_-]{1,128}$/;

export function toVideoId(jobId: string): string {
  return jobId.startsWith(JOB_PREFIX) ? `${VIDEO_PREFIX}${jobId.slice(JOB_PREFIX.length)}` : `${VIDEO_PREFIX}${jobId}`;
}

/** The job id a video id (or job id, chat completion id, response id) names; undefined when it cannot name one. */
export function jobIdFromVideoId(id: string): string | undefined {
  if (!ID_CHARS.test(id)) return undefined;
  const prefix = ANSWER_PREFIXES.find((p) => id.startsWith(p));
  const bare = prefix ? id.slice(prefix.length) : id;
  if (bare.startsWith(VIDEO_PREFIX)) return `${JOB_PREFIX}${bare.slice(VIDEO_PREFIX.length)}`;
  return bare.startsWith(JOB_PREFIX) ? bare : undefined;
}
