/**
 * Why the layers below HTTP (generation, intent, references, moderation, idempotency, webhooks,
 * an adapter's request fitting) refuse a request. A closed union, so the mapping to
 * statuses (generation-error-response.ts, in the HTTP layer) is checked for exhaustiveness by the compiler.
 */
export const GENERATION_ERROR_CODES = [
  // The request asks for something the gateway does not serve.
  'model_not_found',
  'model_not_image',
  'model_not_video',
  // A field's value, or the shape of the messages.
  'invalid_value',
  'missing_user_message',
  'missing_prompt',
  'prompt_too_long',
  'unsupported_content_type',
  // A body nested deeper than anything walks.
  'json_too_deep',
  // Reference images and masks.
  'invalid_image_url',
  'image_url_not_allowed',
  'image_fetch_failed',
  'image_too_large',
  'invalid_image',
  'reference_image_required',
  'too_many_reference_images',
  // Idempotency-Key.
  'invalid_idempotency_key',
  'idempotency_key_reused',
  // Webhook URLs.
  'invalid_webhook_url',
  'webhook_url_not_allowed',
  // The gateway's own content review could not run; the request may pass on a retry.
  'moderation_unavailable',
  // The customer's account and key: status, allow-lists, money and limits.
  'account_suspended',
  'model_not_allowed',
  'model_not_priced',
  'insufficient_quota',
  'rate_limit_exceeded',
] as const;

export type GenerationErrorCode = (typeof GENERATION_ERROR_CODES)[number];

/** Whether a client's automatic retry could succeed, and when; absent means the status decides. */
export interface RetryAdvice {
  retry: boolean;
  afterSeconds?: number;
}

export class GenerationError extends Error {
  constructor(
    readonly code: GenerationErrorCode,
    message: string,
    /** The request field at fault, named as the client sent it (`messages`, `image[0]`, `Idempotency-Key`). */
    readonly param: string | null = null,
    readonly retryAdvice?: RetryAdvice,
  ) {
    super(message);
    this.name = 'GenerationError';
  }
}

/**
 * The request cannot be served as sent: the most common refusal, hence the short form. It keeps
 * the name (and arguments) of the HTTP helper it replaced, so callers did not change.
 */
export const badRequest = (message: string, param: string | null = null, code: GenerationErrorCode = 'invalid_value') =>
  new GenerationError(code, message, param);
