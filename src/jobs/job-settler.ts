import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../metrics/index.js';
import type { Channel } from '../providers/channel.js';
import type { NormalisedError, UpstreamUsage } from '../providers/types.js';
import type { JobEvents } from './events.js';
import type { ProgressWriter } from './progress-writer.js';
import type { JobRecord, JobStore } from './types.js';

export type JobOutcome =
  | { status: 'succeeded'; results: JobRecord['results']; statusCalls?: number; usage?: UpstreamUsage }
  | { status: 'failed'; error: NormalisedError; statusCalls?: number };

export const internalError = (message: string): NormalisedError => ({ code: 'internal_error', message });

/** Writes a job's terminal row and announces it: the one place a job ends (cancels aside). */
export class JobSettler {
  constructor(
    private readonly deps: {
      store: JobStore;
      events: JobEvents;
      progressWriter: ProgressWriter;
      log: FastifyBaseLogger;
      /** This instance: a job whose lease another instance took is not finished from here. */
      instanceId: string;
      metrics?: Metrics;
      /** The channels, to record each ended job's outcome on the one that ran it (the operator's channel view). */
      channels?: { get(name: string): Channel | undefined };
    },
  ) {}

  async finish(job: JobRecord, outcome: JobOutcome): Promise<void> {
    const { store, progressWriter, log, instanceId } = this.deps;
    const now = Date.now();
    const statusCalls = outcome.statusCalls ?? job.statusCalls;
    progressWriter.forget(job.id);
    // The stored row comes back rather than being assembled: submission may have changed channel,
    // key and attempts since `job`. Null means another path (a cancel) ended the job first, or
    // another instance took it over.
    const finished =
      outcome.status === 'succeeded'
        ? await store.succeed(job.id, outcome.results, statusCalls, now, outcome.usage, instanceId)
        : await store.fail(job.id, outcome.error, statusCalls, now, instanceId);
    if (finished) this.announce(finished, now);
    else log.info({ jobId: job.id, model: job.model }, 'job already ended elsewhere');
  }

  /** Tells followers, metrics, the channel's record and the log that `finished` (just written terminal) ended. */
  announce(finished: JobRecord, now: number): void {
    const { events, log, metrics, channels } = this.deps;
    events.publish({ type: 'finished', jobId: finished.id, job: finished });
    if (metrics) recordFinished(metrics, finished, now);
    const channel = finished.channel ? channels?.get(finished.channel) : undefined;
    // Only jobs that reached the upstream count: a job refused by the gateway's own review never did.
    if (channel && finished.submittedAt !== null)
      channel.recordOutcome({
        ok: finished.status === 'succeeded',
        ms: now - finished.submittedAt,
        ...(finished.error && { code: finished.error.code }),
        at: now,
      });
    log.info(
      {
        jobId: finished.id,
        model: finished.model,
        status: finished.status,
        code: finished.error?.code,
        ms: now - finished.createdAt,
      },
      'job finished',
    );
  }
}

/** Counts a job that has just reached its terminal state (once: only the transition that ended it calls this). */
export function recordFinished(metrics: Metrics, job: JobRecord, now: number): void {
  if (job.status !== 'succeeded' && job.status !== 'failed' && job.status !== 'cancelled') return;
  metrics.recordJobFinished({
    model: job.model,
    // A job refused by the gateway's own review, or cancelled while queued, never reached its channel.
    channel: job.submitAttempts > 0 ? job.channel : null,
    outcome: job.status,
    code: job.error?.code ?? null,
    createdAt: job.createdAt,
    completedAt: job.completedAt ?? now,
  });
  // The settlement committed with the terminal row: what was captured, and the rest of the quote released.
  if (job.quote && typeof job.cost === 'number') {
    metrics.recordMoney('captured', job.model, job.cost);
    metrics.recordMoney('released', job.model, job.quote.amount - job.cost);
  }
}
