/**
 * Default poll schedule for asynchronous upstream tasks. Polling every 3–3.5 s notices a finished
 * task about 1.75 s after it finishes on average while making at most one status call per 3 s, the
 * balance the gateway promises; `hintMs` (a channel's configured interval) replaces the steady rate.
 */
export function defaultPollIntervalMs(attempt: number, hintMs?: number): number {
  if (hintMs !== undefined) return hintMs;
  return attempt === 0 ? 3_000 : 3_500;
}
