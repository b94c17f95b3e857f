import { randomBytes } from 'node:crypto';

/**
 * Job ids sort by creation time (a base-36 millisecond timestamp, zero-padded) and carry 80 random
 * bits, so they are unguessable and cursor paging can order by id.
 */
export function newJobId(now = Date.now()): string {
  return `job_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
}
