import type { JobRecord } from './types.js';

export type JobEvent =
  | { type: 'progress'; jobId: string; progress: number; at: number }
  | { type: 'finished'; jobId: string; job: JobRecord };

type Listener = (event: JobEvent) => void;

/** Finished jobs remembered, so a follower arriving just after the end needs no database read. */
const RECENTLY_FINISHED = 2_000;

/**
 * In-process fan-out of job events to whoever is following a job (SSE streams, waiting requests).
 * A plain map of sets: one entry per followed job, so 10,000 jobs cost 10,000 small sets, not emitters.
 */
export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly everyJob = new Set<Listener>();
  private readonly finished = new Map<string, JobRecord>();
  /** Where this process's own events also go (other instances, on PostgreSQL); see `ClusterEvents`. */
  private relay: Listener | undefined;

  /** Sends every event published here on to `relay` as well (one relay: the cluster transport). */
  relayTo(relay: Listener): void {
    this.relay = relay;
  }

  /** Every event of every job run by this process (webhook delivery, metrics). */
  subscribeAll(listener: Listener): () => void {
    this.everyJob.add(listener);
    return () => this.everyJob.delete(listener);
  }

  subscribe(jobId: string, listener: Listener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(jobId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(jobId);
    };
  }

  /** Whether anything in this process follows the job now. */
  isFollowed(jobId: string): boolean {
    return this.listeners.has(jobId);
  }

  /** The jobs something in this process follows now. */
  followedJobs(): IterableIterator<string> {
    return this.listeners.keys();
  }

  /** The job as it finished, if it finished in this process lately. */
  recentlyFinished(jobId: string): JobRecord | undefined {
    return this.finished.get(jobId);
  }

  /** An event of a job this process runs: to its followers here, to `subscribeAll` and to the relay. */
  publish(event: JobEvent): void {
    this.remember(event);
    for (const listener of this.everyJob) listener(event);
    this.relay?.(event);
    this.toFollowers(event);
  }

  /**
   * An event of a job another instance runs, to this process's followers only: webhooks and metrics
   * (`subscribeAll`) belong to the instance that runs the job, and it is not relayed back.
   */
  deliver(event: JobEvent): void {
    if (event.type === 'finished' && this.finished.has(event.jobId)) return;
    this.remember(event);
    this.toFollowers(event);
  }

  private remember(event: JobEvent): void {
    if (event.type !== 'finished') return;
    if (this.finished.size >= RECENTLY_FINISHED) this.finished.delete(this.finished.keys().next().value!);
    this.finished.set(event.jobId, event.job);
  }

  private toFollowers(event: JobEvent): void {
    const set = this.listeners.get(event.jobId);
    if (!set) return;
    for (const listener of [...set]) listener(event);
  }
}
