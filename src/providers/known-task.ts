import { UpstreamError } from './errors.js';
import type { NormalisedError, OperationStatus } from './types.js';

/**
 * Runs one status call of a task. HTTP 404 means the upstream no longer knows the task (deleted,
 * expired, or never created): a final failure, `notFound()`, not a poll hiccup to retry until the
 * job times out.
 */
export async function pollKnownTask(
  poll: () => Promise<OperationStatus>,
  notFound: () => NormalisedError,
): Promise<OperationStatus> {
  try {
    return await poll();
  } catch (err) {
    if (err instanceof UpstreamError && err.details.status === 404) return { state: 'failed', error: notFound() };
    throw err;
  }
}
