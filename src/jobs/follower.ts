import type { JobEvent, JobEvents } from './events.js';
import type { JobRecord, JobStore } from './types.js';
import { TERMINAL_STATUSES } from './types.js';

/** How often a waiter asks the store, for a job another instance runs. */
const STORE_CHECK_MS = 5_000;

/** Following a job's events and waiting for its end, whichever instance runs it. */
export class JobFollower {
  constructor(
    private readonly deps: {
      store: JobStore;
      events: JobEvents;
      /** Whether this process is driving the job right now (its `finished` event is still to come). */
      runningHere(jobId: string): boolean;
    },
  ) {}

  /**
   * Delivers a job's events to `listener`. A job that finished before the call is delivered as a
   * `finished` event at once, so a follower can never miss the end.
   */
  follow(jobId: string, listener: (event: JobEvent) => void): () => void {
    // The end can come from several paths for a job run elsewhere (this read, another instance's
    // notification, the periodic re-read): the follower hears it once, and nothing after it.
    let ended = false;
    const once = (event: JobEvent) => {
      if (ended) return;
      if (event.type === 'finished') ended = true;
      listener(event);
    };
    const unsubscribe = this.deps.events.subscribe(jobId, once);
    const known = this.finishedOrRunningHere(jobId);
    if (known) queueMicrotask(() => once({ type: 'finished', jobId, job: known }));
    else if (known === undefined) {
      void this.deps.store.get(jobId).then((job) => {
        if (job && TERMINAL_STATUSES.includes(job.status)) once({ type: 'finished', jobId, job });
      });
    }
    return unsubscribe;
  }

  /** Resolves with the job once it is terminal, whichever instance runs it. */
  waitFor(jobId: string, signal?: AbortSignal): Promise<JobRecord | null> {
    return new Promise<JobRecord | null>((resolve) => {
      let settled = false;
      const done = (job: JobRecord | null) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearInterval(check);
        signal?.removeEventListener('abort', onAbort);
        resolve(job);
      };
      const unsubscribe = this.deps.events.subscribe(jobId, (event) => {
        if (event.type === 'finished') done(event.job);
      });
      const lookInStore = async () => {
        const job = await this.deps.store.get(jobId).catch(() => null);
        if (!job) return done(null);
        if (TERMINAL_STATUSES.includes(job.status)) done(job);
      };
      // Another instance may run the job (after a takeover); the store is the source of truth.
      const check = setInterval(() => void lookInStore(), STORE_CHECK_MS);
      const onAbort = () => done(null);
      signal?.addEventListener('abort', onAbort);
      const known = this.finishedOrRunningHere(jobId);
      if (known) done(known);
      else if (known === undefined) void lookInStore();
    });
  }

  /**
   * What this process knows without asking the database: the job as it finished here lately, null
   * when it is running here (its `finished` event is still to come), undefined when nothing is known.
   * Both checks run in the same tick as the caller's subscribe, so no event can slip between them.
   */
  private finishedOrRunningHere(jobId: string): JobRecord | null | undefined {
    const finished = this.deps.events.recentlyFinished(jobId);
    if (finished) return finished;
    return this.deps.runningHere(jobId) ? null : undefined;
  }
}
