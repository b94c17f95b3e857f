import type { NormalisedError } from '../providers/types.js';
import { ApiError } from './errors.js';

/**
 * The HTTP answer for a job that did not succeed. A policy block is the caller's to fix (400);
 * an upstream that failed or timed out is a gateway error (502/504); only our own faults are 500.
 */
export function jobErrorToApiError(error: NormalisedError | null): ApiError {
  if (!error) return new ApiError(500, 'The job ended without a result.', 'server_error', null, 'internal_error');
  switch (error.code) {
    case 'content_policy_violation':
      return new ApiError(400, error.message, 'invalid_request_error', error.stage ?? null, error.code);
    case 'cancelled':
      return new ApiError(409, error.message, 'invalid_request_error', null, error.code);
    case 'job_timeout':
    case 'upstream_timeout':
      return new ApiError(504, error.message, 'upstream_error', null, error.code);
    case 'internal_error':
    case 'interrupted_submission':
      return new ApiError(500, error.message, 'server_error', null, error.code);
    default:
      return new ApiError(502, error.message, 'upstream_error', null, error.code);
  }
}
