import type { z } from 'zod';
import { UpstreamError } from './errors.js';

/** A field read when it has the documented type and ignored otherwise: one odd field must not lose a task or paid work. */
export const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/**
 * A success answer to a submission, parsed with the adapter's schema. One that does not parse may
 * still mean the upstream created (and bills) the work, so it is `ambiguous`: never resubmitted.
 */
export function submissionAnswer<T>(schema: z.ZodType<T>, body: unknown, message: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message });
}

/**
 * A success answer to a status check, parsed with the adapter's schema. One that does not parse
 * (a proxy's error page, a cut body) says nothing about the task: a transient error, polled again.
 */
export function statusAnswer<T>(schema: z.ZodType<T>, body: unknown, label: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new UpstreamError('not_accepted', {
    code: 'upstream_bad_response',
    message: `${label} answered a status check with something that is not a task.`,
  });
}
