import type { CreatedJob } from './idempotency.js';
import { TERMINAL_STATUSES, type JobStore, type RepeatCandidate } from './types.js';

/** How long a request is recognised as a repeat of an earlier one (config `jobs`). */
export interface RepeatWindows {
  /** A client's automatic retry joins the earlier job this long after it ended (while it runs, if nobody waits on it here). */
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

/** How long a job whose answer a stop cut short can be joined by the same request sent again. */
export const HANDOFF_WINDOW_MS = 15 * 60_000;

export interface RepeatDeps {
  store: Pick<JobStore, 'findNewestByFingerprint' | 'claimHandedOff' | 'get'>;
  /** Whether a client of this process is waiting on the job now (its stream or its answer). */
  followedHere: (jobId: string) => boolean;
}

/**
 * The earlier job that answers this request instead of a new one, or null. Three cases, all for the
 * same API key and request fingerprint (endpoint and body), newest job first:
 * - the gateway stopped while that job ran, and told its client to send the request again (a
 *   stream's last delta, a 503 the AI SDK retries without saying so): the first request to come
 *   back joins it, once, whatever its headers;
 * - a client's retry (the official SDKs number their attempts) joins it while it runs, if no client
 *   here is waiting on it (the attempt being retried has given up), or within the retry window
 *   after it ended: the first attempt's answer was lost or was an error, and the work must not be
 *   done twice;
 * - a request with no retry header, identical to one whose job failed moments ago, gets that failure
 *   again: the AI SDK and other clients retry a 5xx without saying so and without reading
 *   `x-should-retry`, and a failure that may have been billed upstream must not be bought twice.
 * A success is never replayed to a request without a retry header (asking twice makes two images),
 * nor is a cancelled job (the user stopped it and may ask again).
 */
export async function findRepeatedJob(
  deps: RepeatDeps,
  scope: RepeatScope,
  windows: RepeatWindows,
  now: number,
): Promise<CreatedJob | null> {
  const earlier = await deps.store.findNewestByFingerprint(scope.apiKeyId, scope.fingerprint);
  if (!earlier) return null;
  const repeated = await repeatOf(deps, earlier, scope, windows, now);
  if (!repeated) return null;
  // Only a match costs the whole row; every other create reads four columns.
  const job = await deps.store.get(earlier.id);
  return job && { job, replayed: true, repeated };
}

async function repeatOf(
  deps: RepeatDeps,
  earlier: RepeatCandidate,
  scope: RepeatScope,
  windows: RepeatWindows,
  now: number,
): Promise<CreatedJob['repeated'] | null> {
  // Read with the row: only a job a stop handed off costs the write that takes it.
  const handedOff = (earlier.handedOffAt ?? 0) >= now - HANDOFF_WINDOW_MS;
  if (handedOff && (await deps.store.claimHandedOff(earlier.id, now - HANDOFF_WINDOW_MS))) return 'handed_off';
  const running = !TERMINAL_STATUSES.includes(earlier.status);
  const retryJoins = running
    ? !deps.followedHere(earlier.id)
    : (earlier.completedAt ?? now) >= now - windows.retryWindowMs;
  if (scope.clientRetry && retryJoins) return 'client_retry';
  const failedLately = earlier.status === 'failed' && (earlier.completedAt ?? now) >= now - windows.failureReplayMs;
  if (windows.failureReplayMs > 0 && failedLately) return 'failure';
  return null;
}
