import type { JobErrorCode, NormalisedError } from './error-codes.js';

/**
 * What the job engine may do after a failed upstream call. The distinction that matters is whether
 * the upstream could have accepted the work: only when it certainly did not may a submission be
 * repeated (on the same channel or the next one) without risking a duplicate charge.
 */
export type UpstreamFailure =
  /** Nothing was accepted: connection refused or reset, no response, 429, 5xx without a task id. Retry or fail over. */
  | 'not_accepted'
  /** The key was refused (401/403): retire the key and retry with another. */
  | 'key_rejected'
  /** The upstream answered and refused the request itself (4xx, moderation): retrying cannot help. */
  | 'rejected'
  /** The upstream may have accepted the work (e.g. a malformed success answer): never resubmit. */
  | 'ambiguous';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    /** What the user is told; never contains a secret. */
    readonly normalised: NormalisedError,
    readonly details: { status?: number; retryAfterMs?: number; upstreamCode?: string } = {},
  ) {
    super(normalised.message);
    this.name = 'UpstreamError';
  }

  get retryable(): boolean {
    return this.failure === 'not_accepted' || this.failure === 'key_rejected';
  }
}

/** The upstream refused the request's content (prompt, reference or result): a policy block. */
export function upstreamPolicyBlock(
  stage: 'input_image' | 'prompt' | 'output',
  category: string,
  message: string,
  upstreamCode?: string,
): UpstreamError {
  return new UpstreamError(
    'rejected',
    { code: 'content_policy_violation', message, stage, category },
    { upstreamCode },
  );
}

/** A terminal failure reported by the upstream for an accepted task. */
export const upstreamFailed = (code: JobErrorCode, message: string): NormalisedError => ({ code, message });

/** A policy block reported on an accepted task (status `Content Moderated`, a safety finish reason, …). */
export const upstreamModerated = (
  stage: 'input_image' | 'prompt' | 'output',
  category: string,
  message: string,
): NormalisedError => ({
  code: 'content_policy_violation',
  message,
  stage,
  category,
});

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
