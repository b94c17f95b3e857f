import type { NormalisedError } from '../providers/types.js';

/**
 * Failures that come after the upstream finished the work: it made (and, for a paid upstream,
 * billed) a result the customer never received. The customer pays nothing; the operator sees the
 * job's `loss` to reconcile with the upstream's bill.
 */
const AFTER_UPSTREAM_SUCCESS = new Set([
  'result_missing',
  'result_download_failed',
  'result_expired',
  'result_too_large',
  // The submission's answer was lost: the upstream may have made (and billed) the work.
  'interrupted_submission',
]);

/** The local sandbox bills nobody. */
const FREE_CHANNELS = new Set(['sandbox']);

export function isUpstreamBilledFailure(error: NormalisedError, channel: string | null): boolean {
  if (channel !== null && FREE_CHANNELS.has(channel)) return false;
  if (AFTER_UPSTREAM_SUCCESS.has(error.code)) return true;
  // Withheld by the gateway's own review of the result (stage 3).
  return error.code === 'content_policy_violation' && error.stage === 'output';
}
