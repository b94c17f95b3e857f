import type { z } from 'zod';
import { UpstreamError } from './errors.js';
import type { OperationRef } from './types.js';

/**
 * An operation read back from the database (after a restart, by another instance, or written by an
 * earlier version), parsed with the adapter's schema. One that does not match is the gateway's
 * fault: the job fails with an internal error naming what is wrong, rather than the poll crashing.
 */
export function readOperation<T>(schema: z.ZodType<T>, operation: OperationRef, label: string): T {
  const parsed = schema.safeParse(operation);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where =
    issue && issue.path.length > 0
      ? ` (${issue.path.join('.')}: ${issue.message})`
      : issue
        ? ` (${issue.message})`
        : '';
  throw new UpstreamError('rejected', {
    code: 'internal_error',
    message: `A ${label} job has an operation this gateway cannot read${where}.`,
  });
}
