import type { FastifyBaseLogger } from 'fastify';
import type { JobEvent, JobEvents } from './events.js';
import { TERMINAL_STATUSES, type JobStore } from './types.js';

/**
 * One notification: who sent it, progress as `[jobId, progress, at]` and finished job ids. Short keys:
 * PostgreSQL refuses a NOTIFY payload over 8000 bytes, and at thousands of jobs every byte is sent to
 * every instance.
 */
interface Batch {
  i: string;
  p?: [string, number, number][];
  f?: string[];
}

/** Payload bytes per NOTIFY, under PostgreSQL's 8000 with room for the envelope. */
const MAX_PAYLOAD = 7_500;

export interface ClusterEventsDeps {
  events: JobEvents;
  store: Pick<JobStore, 'get' | 'progressOf'>;
  instanceId: string;
  /** Sends one payload to every instance (NOTIFY); this instance hears it too and ignores it. */
  notify(payload: string): Promise<void>;
  /** Whether this process drives the job now (its events are published here, no need to re-read it). */
  runningHere(jobId: string): boolean;
  log: FastifyBaseLogger;
  /** How long events are gathered before one NOTIFY carries them all. */
  flushMs?: number;
  /** How often jobs followed here but run elsewhere are re-read, in case a notification was lost. */
  rereadMs?: number;
}

/**
 * Job events between instances on one PostgreSQL database. Events published here are gathered for
 * `flushMs` (100 ms) and sent as few NOTIFYs as fit: at 10,000 running jobs that is a handful of
 * notifications per tick, each job's progress once (its latest), rather than one per change — every
 * instance receives every notification, so batching bounds the cost on all of them at once. The
 * choice over "notify only jobs someone elsewhere follows" is simplicity: that would need a shared
 * registry of followers, itself written on every follow.
 *
 * Received events reach only the jobs this process follows; a finished job is re-read from the store
 * (the notification carries its id, not the row) by the instances that follow it, and no other.
 * The in-process path stays as it was, so local followers get events with no delay, and this
 * instance's own notifications are ignored (no double delivery). A periodic re-read of the jobs
 * followed here but run elsewhere covers a notification lost while the listening session was down.
 */
export class ClusterEvents {
  private progress = new Map<string, [number, number]>();
  private finished = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private rereadTimer: NodeJS.Timeout | undefined;
  private rereading = false;
  private sending: Promise<void> | undefined;
  private readonly lastProgress = new Map<string, number>();

  constructor(private readonly deps: ClusterEventsDeps) {}

  start(): void {
    const { events } = this.deps;
    events.relayTo((event) => this.queue(event));
    this.flushTimer = setInterval(() => this.flush(), this.deps.flushMs ?? 100);
    this.flushTimer.unref();
    this.rereadTimer = setInterval(() => void this.rereadFollowed(), this.deps.rereadMs ?? 2_000);
    this.rereadTimer.unref();
  }

  /** Sends what is still gathered, then stops. */
  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.rereadTimer);
    await this.sending;
    this.flush();
    await this.sending;
  }

  /** A notification from the channel (any instance's, this one's included). */
  receive(payload: string): void {
    let batch: Batch;
    try {
      batch = JSON.parse(payload) as Batch;
    } catch {
      return;
    }
    if (batch.i === this.deps.instanceId) return;
    const { events } = this.deps;
    for (const [jobId, progress, at] of batch.p ?? []) {
      if (events.isFollowed(jobId)) this.deliverProgress(jobId, progress, at);
    }
    for (const jobId of batch.f ?? []) {
      if (events.isFollowed(jobId)) void this.deliverFinished(jobId);
    }
  }

  /** Re-reads every job followed here and run elsewhere: after a reconnect, and every `rereadMs`. */
  async rereadFollowed(): Promise<void> {
    if (this.rereading) return;
    this.rereading = true;
    try {
      const { events, runningHere, store } = this.deps;
      const ids = [...events.followedJobs()].filter((id) => !runningHere(id));
      for (const id of this.lastProgress.keys()) if (!events.isFollowed(id)) this.lastProgress.delete(id);
      for (let i = 0; i < ids.length; i += 500) {
        for (const row of await store.progressOf(ids.slice(i, i + 500))) {
          if (TERMINAL_STATUSES.includes(row.status)) await this.deliverFinished(row.id);
          else this.deliverProgress(row.id, row.progress, Date.now());
        }
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'could not re-read the jobs followed here');
    } finally {
      this.rereading = false;
    }
  }

  private queue(event: JobEvent): void {
    if (event.type === 'finished') {
      this.progress.delete(event.jobId);
      this.finished.add(event.jobId);
    } else this.progress.set(event.jobId, [event.progress, event.at]);
  }

  private deliverProgress(jobId: string, progress: number, at: number): void {
    // The re-read sees the stored progress, which lags what notifications said: never step back.
    if ((this.lastProgress.get(jobId) ?? -1) >= progress) return;
    this.lastProgress.set(jobId, progress);
    this.deps.events.deliver({ type: 'progress', jobId, progress, at });
  }

  private async deliverFinished(jobId: string): Promise<void> {
    const { events, store, log } = this.deps;
    if (events.recentlyFinished(jobId)) return;
    try {
      const job = await store.get(jobId);
      if (job && TERMINAL_STATUSES.includes(job.status)) {
        this.lastProgress.delete(jobId);
        events.deliver({ type: 'finished', jobId, job });
      }
    } catch (err) {
      // The periodic re-read tries again.
      log.warn({ err, jobId }, 'could not read a job another instance finished');
    }
  }

  private flush(): void {
    // A tick whose NOTIFYs are still going out (10,000 jobs' progress is ~75 of them, ~100 ms) is
    // skipped: events keep gathering, each job's progress coalescing to its latest.
    if (this.sending || (this.progress.size === 0 && this.finished.size === 0)) return;
    const payloads = batches(this.deps.instanceId, this.progress, this.finished);
    this.progress = new Map();
    this.finished = new Set();
    this.sending = this.send(payloads).finally(() => {
      this.sending = undefined;
    });
  }

  private async send(payloads: string[]): Promise<void> {
    for (const payload of payloads) {
      await this.deps.notify(payload).catch((err) => {
        // Followers elsewhere fall back on their periodic re-read.
        this.deps.log.warn({ err }, 'could not notify other instances of job events');
      });
    }
  }
}

/** Splits one tick's events into payloads under `MAX_PAYLOAD` bytes (finished jobs first: they matter most). */
export function batches(instanceId: string, progress: Map<string, [number, number]>, finished: Set<string>): string[] {
  const payloads: string[] = [];
  const empty = () => ({ i: instanceId }) as Batch;
  let batch = empty();
  let size = JSON.stringify(batch).length;
  const push = (bytes: number, add: (b: Batch) => void) => {
    if (size + bytes > MAX_PAYLOAD && (batch.p || batch.f)) {
      payloads.push(JSON.stringify(batch));
      batch = empty();
      size = JSON.stringify(batch).length;
    }
    add(batch);
    size += bytes;
  };
  // Each entry's own JSON and its comma; `,"f":[]` / `,"p":[]` are within the margin under 8000.
  for (const jobId of finished) {
    push(Buffer.byteLength(JSON.stringify(jobId)) + 1, (b) => {
      b.f ??= [];
      b.f.push(jobId);
    });
  }
  for (const [jobId, [value, at]] of progress) {
    const entry: [string, number, number] = [jobId, value, at];
    push(Buffer.byteLength(JSON.stringify(entry)) + 1, (b) => {
      b.p ??= [];
      b.p.push(entry);
    });
  }
  if (batch.p || batch.f) payloads.push(JSON.stringify(batch));
  return payloads;
}
