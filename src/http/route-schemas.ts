import { z } from 'zod';

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
    .describe('Present when the Idempotency-Key returned the job an earlier request created.'),
});

/** A 200 carrying `schema` as JSON, with the job headers. */
export const jobStarted = <S extends z.ZodType>(schema: S) => ({
  description: 'Success.',
  content: { 'application/json': { schema } },
  headers: jobHeaders,
});
