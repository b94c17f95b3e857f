import type { ApiError } from './errors.js';

/**
 * Whether a client's automatic retry may repeat the request this error answers. The official SDKs
 * retry 408, 409, 429 and 5xx unless `x-should-retry` says otherwise, and a retried create request
 * is work done twice (a second submission, possibly a second charge). So every error answer states
 * it, and only two kinds are worth repeating: a 503 (shutting down, or the gateway's own review
 * unavailable: another instance or a moment later can serve it) and a 429 that says when to come back
 * (a per-minute limit, with `Retry-After`). A failed job, a policy refusal, a timeout, an empty
 * balance or any other 4xx ends the same way on a retry. An error that states its own advice keeps it.
 */
export function shouldRetry(error: ApiError): boolean {
  const stated = error.headers['x-should-retry'];
  if (stated !== undefined) return stated === 'true';
  if (error.status === 503) return true;
  return error.status === 429 && error.headers['retry-after'] !== undefined;
}

/** The headers an error answer goes out with: its own, and `x-should-retry`. */
export function errorHeaders(error: ApiError): Record<string, string> {
  return { ...error.headers, 'x-should-retry': String(shouldRetry(error)) };
}
