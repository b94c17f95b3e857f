/**
 * Every code a failed job can carry. A closed list, so that whoever turns a job error into an answer
 * (an HTTP status, a chat message, a webhook) is told by the compiler when a new code appears.
 * Jobs saved by an older version may hold a code no longer listed: readers keep a default for them.
 */
export const JOB_ERROR_CODES = [
  // The request itself.
  'content_policy_violation',
  'reference_image_required',
  // The job's life in the gateway.
  'cancelled',
  'job_timeout',
  'internal_error',
  'interrupted_submission',
  'channel_unavailable',
  'no_channel_available',
  // Talking to the upstream.
  'upstream_timeout',
  'upstream_unreachable',
  'upstream_auth_failed',
  'upstream_rate_limited',
  'upstream_quota_exhausted',
  'upstream_error',
  'upstream_not_found',
  'upstream_invalid_request',
  'upstream_bad_response',
  'upstream_stream_interrupted',
  // A task the upstream accepted and then ended without a result.
  'upstream_failed',
  'upstream_task_failed',
  'upstream_task_cancelled',
  'upstream_cancelled',
  'upstream_expired',
  'upstream_task_expired',
  'upstream_task_not_found',
  'upstream_no_image',
  'upstream_no_video',
  // Fetching the finished result.
  'result_missing',
  'result_download_failed',
  'result_expired',
  'result_too_large',
] as const;

export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

const KNOWN = new Set<string>(JOB_ERROR_CODES);

export const isJobErrorCode = (code: unknown): code is JobErrorCode => typeof code === 'string' && KNOWN.has(code);

/** Why a job failed, in a form that does not depend on the upstream. */
export interface NormalisedError {
  /** Stable machine code, e.g. `content_policy_violation`, `upstream_timeout`, `upstream_error`. */
  code: JobErrorCode;
  message: string;
  /** Moderation stage when the failure is a policy block. */
  stage?: 'input_image' | 'prompt' | 'output';
  category?: string;
  /** What a moderation check measured (category → score 0–1), kept on the job row. */
  scores?: Record<string, number>;
  /** True when resubmitting could succeed (the upstream certainly did not do the work). */
  retryable?: boolean;
}
