import type { GenerationError, GenerationErrorCode } from '../errors/generation-error.js';
import { ApiError, type ErrorType } from './errors.js';

/** The one place a generation code becomes an HTTP status; a new code does not compile until it is placed here. */
function statusOf(code: GenerationErrorCode): { status: number; type: ErrorType } {
  switch (code) {
    case 'model_not_found':
      return { status: 404, type: 'invalid_request_error' };
    case 'idempotency_key_reused':
      return { status: 409, type: 'invalid_request_error' };
    case 'moderation_unavailable':
      return { status: 503, type: 'server_error' };
    case 'account_suspended':
    case 'model_not_allowed':
    case 'model_not_priced':
      return { status: 403, type: 'permission_error' };
    case 'insufficient_quota':
      return { status: 429, type: 'insufficient_quota' };
    case 'rate_limit_exceeded':
      return { status: 429, type: 'requests' };
    case 'model_not_image':
    case 'model_not_video':
    case 'invalid_value':
    case 'missing_user_message':
    case 'missing_prompt':
    case 'prompt_too_long':
    case 'json_too_deep':
    case 'unsupported_content_type':
    case 'invalid_image_url':
    case 'image_url_not_allowed':
    case 'image_fetch_failed':
    case 'image_too_large':
    case 'invalid_image':
    case 'reference_image_required':
    case 'too_many_reference_images':
    case 'invalid_idempotency_key':
    case 'invalid_webhook_url':
    case 'webhook_url_not_allowed':
      return { status: 400, type: 'invalid_request_error' };
    default:
      return unreachable(code);
  }
}

function unreachable(code: never): never {
  throw new Error(`generation error code ${String(code)} has no HTTP status`);
}

/** A generation error as the API reports it, in OpenAI's envelope. */
export function generationErrorToApiError(err: GenerationError): ApiError {
  const { status, type } = statusOf(err.code);
  return new ApiError(status, err.message, type, err.param, err.code, retryHeaders(err.retryAdvice));
}

/** The official SDKs read `x-should-retry` before anything else, then `Retry-After`. */
export function retryHeaders(advice: GenerationError['retryAdvice']): Record<string, string> {
  if (!advice) return {};
  return {
    'x-should-retry': String(advice.retry),
    ...(advice.afterSeconds !== undefined && { 'retry-after': String(Math.max(1, Math.ceil(advice.afterSeconds))) }),
  };
}
