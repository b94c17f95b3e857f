import type { JobRecord } from './types.js';

export type JobEvent =
  | { type: 'progress'; jobId: string; progress: number; at: number }
  | { type: 'finished'; jobId: string; job: JobRecord };

type Listener = (event: JobEvent) => void;

/**
 * In-process fan-out of job events to whoever is following a job (SSE streams, waiting requests).
 * A plain map of sets: one entry per followed job, so 10,000 jobs cost 10,000 small sets, not emitters.
 */
export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly everyJob = new Set<Listener>();

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

  publish(event: JobEvent): void {
    for (const listener of this.everyJob) listener(event);
    const set = this.listeners.get(event.jobId);
    if (!set) return;
    for (const listener of [...set]) listener(event);
  }
}
