import { describe, expect, it } from 'vitest';
import { GENERATION_ERROR_CODES, GenerationError } from '../src/errors/generation-error.js';
import { generationErrorToApiError } from '../src/http/generation-error-response.js';

describe('generation errors at the HTTP edge', () => {
  it('gives every code a 4xx, or a 503 for the review that may pass on a retry; money and limits are 403/429', () => {
    const statuses = Object.fromEntries(
      GENERATION_ERROR_CODES.map((code) => [code, generationErrorToApiError(new GenerationError(code, 'm')).status]),
    );
    const not400 = Object.fromEntries(Object.entries(statuses).filter(([, status]) => status !== 400));
    expect(not400).toEqual({
      model_not_found: 404,
      idempotency_key_reused: 409,
      moderation_unavailable: 503,
      account_suspended: 403,
      model_not_allowed: 403,
      model_not_priced: 403,
      insufficient_quota: 429,
      rate_limit_exceeded: 429,
    });
  });

  it('renders the envelope clients get today', () => {
    const cases: [GenerationError, unknown][] = [
      [
        new GenerationError(
          'model_not_found',
          "The model 'nope' does not exist or is not served by this gateway. GET /v1/models lists the models you can use.",
          'model',
        ),
        {
          error: {
            message:
              "The model 'nope' does not exist or is not served by this gateway. GET /v1/models lists the models you can use.",
            type: 'invalid_request_error',
            param: 'model',
            code: 'model_not_found',
          },
        },
      ],
      [
        new GenerationError(
          'moderation_unavailable',
          "The gateway's content review is unavailable (timeout); please retry shortly.",
        ),
        {
          error: {
            message: "The gateway's content review is unavailable (timeout); please retry shortly.",
            type: 'server_error',
            param: null,
            code: 'moderation_unavailable',
          },
        },
      ],
      [
        new GenerationError('idempotency_key_reused', 'reused', 'Idempotency-Key'),
        {
          error: {
            message: 'reused',
            type: 'invalid_request_error',
            param: 'Idempotency-Key',
            code: 'idempotency_key_reused',
          },
        },
      ],
      [
        new GenerationError('invalid_image', 'bad', 'image[0]'),
        { error: { message: 'bad', type: 'invalid_request_error', param: 'image[0]', code: 'invalid_image' } },
      ],
    ];
    for (const [err, body] of cases) expect(generationErrorToApiError(err).toBody()).toEqual(body);
  });
});
