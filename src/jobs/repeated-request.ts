import type { CreatedJob } from './idempotency.js';
import { TERMINAL_STATUSES, type JobRecord, type JobStore } from './types.js';

/** How long a request is recognised as a repeat of an earlier one (config `jobs`). */
export interface RepeatWindows {
  /** A client's automatic retry joins the earlier job while it runs and this long after it ended. */
  retryWindowMs: number;
  /** An identical request without a retry header gets an earlier job's failure this long after it ended; 0 turns it off. */
  failureReplayMs: number;
}

/** A create request without an Idempotency-Key, as the pipeline sees it. */
export interface RepeatScope {
  apiKeyId: string;
  fingerprint: string;
  /** The request says it is an SDK's automatic retry of an earlier attempt (`x-stainless-retry-count` ≥ 1). */
  clientRetry: boolean;
}

const failed = (job: JobRecord) => job.status !== 'succeeded' && TERMINAL_STATUSES.includes(job.status);

/**
 * The earlier job that answers this request instead of a new one, or null. Two cases, both for the
 * same API key and request fingerprint:
 * - a client's retry (the official SDKs number their attempts) joins the newest such job, running or
 *   finished, unless it ended longer ago than the retry window: the first attempt's answer was lost
 *   or was an error, and the work must not be done twice;
 * - a request with no retry header, identical to one whose job failed moments ago, gets that failure
 *   again: the AI SDK and other clients retry a 5xx without saying so and without reading
 *   `x-should-retry`, and a failure that may have been billed upstream must not be bought twice.
 * A success is never replayed to a request without a retry header: asking twice makes two images.
 */
export async function findRepeatedJob(
  store: Pick<JobStore, 'findNewestByFingerprint'>,
  scope: RepeatScope,
  windows: RepeatWindows,
  now: number,
): Promise<CreatedJob | null> {
  const earlier = await store.findNewestByFingerprint(scope.apiKeyId, scope.fingerprint);
  if (!earlier) return null;
  // A running job is active now; a finished one was last active when it ended.
  const lastActive = earlier.completedAt ?? now;
  if (scope.clientRetry && lastActive >= now - windows.retryWindowMs) {
    return { job: earlier, replayed: true, repeated: 'client_retry' };
  }
  if (windows.failureReplayMs > 0 && failed(earlier) && lastActive >= now - windows.failureReplayMs) {
    return { job: earlier, replayed: true, repeated: 'failure' };
  }
  return null;
}
