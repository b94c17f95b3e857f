import { z } from 'zod';
import { errorResponse } from './openapi/response-schemas.js';

/* Schema pieces several routes declare. */

/** Request headers document only: Idempotency-Key is checked where it is read (jobs/idempotency.ts), with its own message. */
export const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .describe(
      'Retrying with the same key and body returns the same job instead of starting another; the same key with another body is a 409. Scoped to the API key.',
    ),
  'X-Stainless-Retry-Count': z
    .string()
    .optional()
    .describe(
      'Sent by the official SDKs (0 on the first attempt). From 1, the request is an automatic retry: without an Idempotency-Key it joins the newest job with the same API key and body that is running or ended less than 15 minutes ago (`MEDIAGATE_RETRY_WINDOW_MS`), instead of starting another.',
    ),
});

/** Sent on every request counted against a requests-per-minute limit (absent when neither key nor account has one). */
const rateLimitHeaders = z.object({
  'x-ratelimit-limit-requests': z
    .string()
    .optional()
    .describe("Requests per minute allowed: the key's or the account's limit, whichever has fewer requests left."),
  'x-ratelimit-remaining-requests': z.string().optional().describe('Requests left in the current minute.'),
  'x-ratelimit-reset-requests': z
    .string()
    .optional()
    .describe("Time until the count starts again, in OpenAI's format (`12s`, `1m0s`, `450ms`)."),
});

/** Response headers of every request that starts a job (documentation; the handlers set them). */
export const jobHeaders = z.object({
  'x-mediagate-job-id': z.string().describe('The job behind this answer; follow it at GET /v1/jobs/{job_id}.'),
  'x-mediagate-channel': z
    .string()
    .describe('The channel (upstream account) the job runs on; `sandbox` when no upstream is configured.'),
  'idempotent-replayed': z
    .literal('true')
    .optional()
    .describe(
      'Present when no new job was made: the Idempotency-Key, a client retry, or a recent failure returned the job an earlier request created.',
    ),
  'x-mediagate-retry-of': z
    .string()
    .optional()
    .describe(
      "The earlier job this answer is, when the request was recognised as a repeat without an Idempotency-Key: an SDK's retry (`X-Stainless-Retry-Count` ≥ 1), or the same request within 30 s of that job's failure.",
    ),
  ...rateLimitHeaders.shape,
});

/** A 200 carrying `schema` as JSON, with the job headers. */
export const jobStarted = <S extends z.ZodType>(schema: S) => ({
  description: 'Success.',
  content: { 'application/json': { schema } },
  headers: jobHeaders,
});

/** 429 of the requests that create a job: requests per minute, jobs at once, or money left. */
export const tooManyRequests = {
  description:
    '`rate_limit_exceeded` (requests per minute, with `Retry-After`; or jobs at once, with `x-should-retry: false`) or `insufficient_quota` (with `x-should-retry: false`).',
  content: { 'application/json': { schema: errorResponse } },
  headers: z.object({
    'retry-after': z.string().optional().describe('Seconds until the requests-per-minute window ends.'),
    'x-should-retry': z
      .enum(['true', 'false'])
      .optional()
      .describe(
        '`true` for a requests-per-minute limit (retry after `Retry-After`); `false` when retrying cannot succeed soon: the official SDKs then do not retry.',
      ),
    ...rateLimitHeaders.shape,
  }),
};
