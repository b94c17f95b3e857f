import { z } from 'zod';

/*
 * Schema pieces several routes declare. Like all header schemas, these document: the header is
 * checked where it is read (jobs/idempotency.ts), with its own message.
 */

export const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .describe('Retrying with the same key and body returns the same job instead of starting another; the same key with another body is a 409. Scoped to the API key.'),
});
