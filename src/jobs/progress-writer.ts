import type { FastifyBaseLogger } from 'fastify';
import type { JobStore, ProgressUpdate } from './types.js';

/**
 * Progress reaches streams through events at once; the database only needs it for clients that
 * poll by id and for takeovers. Writing it per job per poll cost one UPDATE each (10,000 streaming
 * jobs meant thousands a second); instead the latest value per job is kept here and written in one
 * batched statement per interval.
 */
export class ProgressWriter {
  private pending = new Map<string, ProgressUpdate>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly store: JobStore,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), Math.max(50, this.intervalMs));
    this.timer.unref();
  }

  queue(update: ProgressUpdate): void {
    this.pending.set(update.id, update);
  }

  /** A finished job's last progress is its terminal row; an unwritten value would only be stale. */
  forget(jobId: string): void {
    this.pending.delete(jobId);
  }

  async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return this.flushing;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.store
      .saveProgressBatch(batch, Date.now())
      .catch((err) =>
        this.log.warn({ err: { message: (err as Error).message }, jobs: batch.length }, 'could not save job progress'),
      )
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }
}
