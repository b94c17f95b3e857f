import type { JobRecord } from '../jobs/types.js';
import type { NormalisedError } from '../providers/types.js';
import { ApiError, type ErrorType } from './errors.js';

type Answer = { status: number; type: ErrorType };

const CALLER: Answer = { status: 400, type: 'invalid_request_error' };
const CONFLICT: Answer = { status: 409, type: 'invalid_request_error' };
const OURS: Answer = { status: 500, type: 'server_error' };
const UPSTREAM: Answer = { status: 502, type: 'upstream_error' };
const TIMED_OUT: Answer = { status: 504, type: 'upstream_error' };

/**
 * The status for each code. A policy block is the caller's to fix (400); an upstream that failed or
 * timed out is a gateway error (502/504); only our own faults are 500. The switch has no default, so a
 * new code does not compile until it is given a status here.
 */
function answerFor(code: NormalisedError['code']): Answer {
  switch (code) {
    case 'content_policy_violation':
      return CALLER;
    case 'cancelled':
      return CONFLICT;
    case 'job_timeout':
    case 'upstream_timeout':
      return TIMED_OUT;
    case 'internal_error':
    case 'interrupted_submission':
      return OURS;
    case 'reference_image_required':
    case 'channel_unavailable':
    case 'no_channel_available':
    case 'upstream_unreachable':
    case 'upstream_auth_failed':
    case 'upstream_rate_limited':
    case 'upstream_quota_exhausted':
    case 'upstream_error':
    case 'upstream_not_found':
    case 'upstream_invalid_request':
    case 'upstream_bad_response':
    case 'upstream_stream_interrupted':
    case 'upstream_failed':
    case 'upstream_task_failed':
    case 'upstream_task_cancelled':
    case 'upstream_cancelled':
    case 'upstream_expired':
    case 'upstream_task_expired':
    case 'upstream_task_not_found':
    case 'upstream_no_image':
    case 'upstream_no_video':
    case 'result_missing':
    case 'result_download_failed':
    case 'result_expired':
    case 'result_too_large':
      return UPSTREAM;
    default: {
      const unknown: never = code;
      // A code written by an older version and since retired: it came from the upstream side.
      void unknown;
      return UPSTREAM;
    }
  }
}

/** Why a job that did not succeed ended; a cancel whose error was not written reads as a cancel. */
export const endedJobError = (job: Pick<JobRecord, 'error'>): NormalisedError =>
  job.error ?? { code: 'cancelled', message: 'The job was cancelled.' };

/** The HTTP answer for a job that did not succeed. */
export function jobErrorToApiError(error: NormalisedError | null): ApiError {
  if (!error) return new ApiError(500, 'The job ended without a result.', 'server_error', null, 'internal_error');
  const { status, type } = answerFor(error.code);
  const param = error.code === 'content_policy_violation' ? (error.stage ?? null) : null;
  return new ApiError(status, error.message, type, param, error.code);
}
