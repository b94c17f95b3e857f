/** Longest wait between two tries at a finished result's download. */
const MAX_WAIT_MS = 30_000;

/**
 * The retry budget of a finished result whose download keeps failing transiently: growing waits,
 * for a bounded time counted from the first failure of the current run of failures (not a running
 * total, so earlier hiccups that passed cost nothing).
 */
export class DownloadRetry {
  private failures = 0;
  private failingSince: number | undefined;

  constructor(private readonly settings: { resultRetryMs: number; resultRetryBackoffMs: number }) {}

  /**
   * After a failed try: the wait before the next one, or undefined when the time allowed is spent.
   * The last wait is cut short so that a try falls at the end of the time allowed.
   */
  failed(now = Date.now()): number | undefined {
    this.failures++;
    this.failingSince ??= now;
    const left = this.settings.resultRetryMs - (now - this.failingSince);
    if (left <= 0) return undefined;
    return Math.min(left, MAX_WAIT_MS, this.settings.resultRetryBackoffMs * 2 ** (this.failures - 1));
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
