/** Finished tasks remembered per channel and upstream model. */
const SAMPLES = 50;
/** Fewer finished tasks than this teach nothing yet. */
const MIN_SAMPLES = 5;

/** When tasks of one kind usually finish, counted from their submission. */
export interface ExpectedFinish {
  /** Few tasks finish sooner (10th percentile), in ms. */
  earliestMs: number;
  /** Few tasks take longer (90th percentile), in ms. */
  latestMs: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * How long an upstream's tasks take, learned from this process's own recent completions, per
 * channel and upstream model (one channel may serve a fast and a slow model). A sample is the
 * middle of the last poll that saw the task running and the first that saw it finished, so it is
 * off by at most half a poll interval, and tightens as the polls around the end tighten.
 */
export class TaskDurations {
  private readonly samples = new Map<string, number[]>();
  /** Every polled job asks on every poll; the answer only changes when a task finishes. */
  private readonly cache = new Map<string, ExpectedFinish>();

  record(kind: string, durationMs: number): void {
    if (!(durationMs > 0)) return;
    const list = this.samples.get(kind) ?? [];
    this.samples.set(kind, list);
    list.push(durationMs);
    if (list.length > SAMPLES) list.shift();
    this.cache.delete(kind);
  }

  expected(kind: string): ExpectedFinish | undefined {
    const list = this.samples.get(kind);
    if (!list || list.length < MIN_SAMPLES) return undefined;
    let expected = this.cache.get(kind);
    if (!expected) {
      const sorted = [...list].sort((a, b) => a - b);
      expected = { earliestMs: quantile(sorted, 0.1), latestMs: quantile(sorted, 0.9) };
      this.cache.set(kind, expected);
    }
    return expected;
  }
}
