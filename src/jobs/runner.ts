import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { NormalisedError, OperationRef, ProviderContext } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import type { Moderator } from '../moderation/types.js';
import type { JobEvent, JobEvents } from './events.js';
import { persistOutputs } from './persist-outputs.js';
import { abortableSleep } from './sleep.js';
import type { JobRecord, JobStore, NewJob } from './types.js';
import { TERMINAL_STATUSES } from './types.js';

export interface RunnerDeps {
  store: JobStore;
  channels: ChannelRegistry;
  media: MediaStore;
  events: JobEvents;
  /** Identifies this process in job leases. */
  instanceId: string;
  settings: Config['jobs'];
  log: FastifyBaseLogger;
  /** Stage 3 review of finished results. */
  moderator: Moderator;
}

/** Progress shown while the results are being reviewed: a blocked result fails after passing 90 %. */
const REVIEW_PROGRESS = 95;

/** Consecutive failed status calls after which a job is given up on. */
const MAX_CONSECUTIVE_POLL_ERRORS = 10;

const internalError = (message: string): NormalisedError => ({ code: 'internal_error', message });

/**
 * Drives jobs from submission to a terminal state. The instance that receives a request runs its
 * job at once; a periodic scan picks up jobs whose owner died (lease expired) and resumes them from
 * the stored operation reference, so nothing already accepted upstream is submitted again.
 */
export class JobRunner {
  private readonly active = new Map<string, AbortController>();
  private leaseTimer?: NodeJS.Timeout;
  private orphanTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {}

  start(): void {
    const { leaseMs, orphanScanIntervalMs } = this.deps.settings;
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(leaseMs / 3)));
    this.orphanTimer = setInterval(() => void this.adoptOrphans(), orphanScanIntervalMs);
    this.leaseTimer.unref();
    this.orphanTimer.unref();
    void this.adoptOrphans();
  }

  /** Stops driving jobs and releases their leases so the next instance resumes them at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.orphanTimer);
    const ids = [...this.active.keys()];
    for (const controller of this.active.values()) controller.abort();
    if (ids.length > 0) await this.deps.store.renewLeases(this.deps.instanceId, ids, Date.now(), 0).catch(() => {});
  }

  /**
   * Persists the job, then starts it without waiting for a poll cycle. A job the gateway's own
   * review already refused (`rejection`) is recorded as failed and never reaches an upstream.
   */
  async submit(newJob: NewJob, rejection?: NormalisedError): Promise<JobRecord> {
    const job = await this.deps.store.create(newJob);
    if (rejection) {
      await this.finish(job, { status: 'failed', error: rejection });
      return job;
    }
    void this.claimAndDrive(job.id);
    return job;
  }

  get activeCount(): number {
    return this.active.size;
  }

  private async claimAndDrive(jobId: string): Promise<void> {
    if (this.stopped || this.active.has(jobId)) return;
    // Reserve the id before the first await, so a scan running meanwhile cannot drive it twice.
    const controller = new AbortController();
    this.active.set(jobId, controller);
    const { store, instanceId, settings } = this.deps;
    let job: JobRecord | null = null;
    try {
      job = await store.claim(jobId, instanceId, Date.now(), settings.leaseMs);
      if (job) await this.drive(job, controller.signal);
    } catch (err) {
      this.deps.log.error({ err, jobId }, 'job failed with an internal error');
      if (job) await this.finish(job, { status: 'failed', error: internalError('The job stopped because of an internal error in the gateway.') }).catch(() => {});
    } finally {
      this.active.delete(jobId);
    }
  }

  private async drive(job: JobRecord, signal: AbortSignal): Promise<void> {
    const route = job.channel ? this.deps.channels.routeOn(job.channel, job.model) : undefined;
    if (!route) {
      await this.finish(job, {
        status: 'failed',
        error: { code: 'channel_unavailable', message: `The channel "${job.channel}" that ran this job is no longer configured.` },
      });
      return;
    }
    const ctx: ProviderContext = {
      upstreamModel: route.upstreamModel,
      readReference: (key) => this.deps.media.read(key),
      signal,
    };
    let operation = job.operation;
    if (!operation) {
      if (job.submittedAt !== null && !route.channel.provider.idempotentStart) {
        // The previous owner died between calling the upstream and recording its answer: the task may
        // exist upstream, and submitting again could run (and bill) it twice.
        await this.finish(job, {
          status: 'failed',
          error: {
            code: 'interrupted_submission',
            message: 'The gateway restarted while submitting this job, so it was not resubmitted to avoid a duplicate charge. Please retry.',
          },
        });
        return;
      }
      await this.deps.store.markSubmitting(job.id, route.channel.name, Date.now());
      operation = await route.channel.provider.start(job.request, ctx);
      await this.deps.store.saveOperation(job.id, operation, Date.now());
    }
    await this.poll(job, route, operation, ctx, signal);
  }

  private async poll(job: JobRecord, route: Route, operation: OperationRef, ctx: ProviderContext, signal: AbortSignal) {
    const { store, events, settings } = this.deps;
    const provider = route.channel.provider;
    const deadline = job.createdAt + settings.timeoutMs;
    let statusCalls = job.statusCalls;
    let progress = job.progress;
    let lastProgressWrite = 0;
    let consecutiveErrors = 0;
    let nextDelay = provider.pollIntervalMs(0);

    for (let attempt = 1; ; attempt++) {
      await abortableSleep(nextDelay, signal);
      if (signal.aborted) return;
      if (Date.now() > deadline) {
        await this.finish(job, {
          status: 'failed',
          error: { code: 'job_timeout', message: `The job did not finish within ${Math.round(settings.timeoutMs / 60_000)} minutes.` },
          statusCalls,
        });
        return;
      }
      nextDelay = provider.pollIntervalMs(attempt);
      let status;
      try {
        statusCalls++;
        status = await provider.status(operation, job.request, ctx);
        consecutiveErrors = 0;
      } catch (err) {
        if (signal.aborted) return;
        consecutiveErrors++;
        this.deps.log.warn({ err, jobId: job.id, consecutiveErrors }, 'status call failed; will retry');
        if (consecutiveErrors >= MAX_CONSECUTIVE_POLL_ERRORS) {
          await this.finish(job, {
            status: 'failed',
            error: { code: 'upstream_unreachable', message: `The upstream did not answer ${consecutiveErrors} status checks in a row.` },
            statusCalls,
          });
          return;
        }
        nextDelay = Math.min(30_000, nextDelay * 2 ** consecutiveErrors);
        continue;
      }

      if (status.state === 'running') {
        if (status.retryAfterMs !== undefined) nextDelay = status.retryAfterMs;
        const reported = Math.min(99, Math.max(0, Math.floor(status.progress ?? progress)));
        if (reported > progress) {
          progress = reported;
          events.publish({ type: 'progress', jobId: job.id, progress, at: Date.now() });
          const now = Date.now();
          if (now - lastProgressWrite >= settings.progressWriteIntervalMs) {
            lastProgressWrite = now;
            await store.saveProgress(job.id, progress, statusCalls, now);
          }
        }
        continue;
      }
      if (status.state === 'failed') {
        await this.finish(job, { status: 'failed', error: status.error, statusCalls });
        return;
      }
      const results = await persistOutputs(status.outputs, this.deps.media);
      await this.reviewAndFinish(job, results, progress, statusCalls);
      return;
    }
  }

  /** Stage 3: results that fail review are deleted and the job fails, after progress passed 90 %. */
  private async reviewAndFinish(job: JobRecord, results: JobRecord['results'], progress: number, statusCalls: number): Promise<void> {
    if (progress < REVIEW_PROGRESS) this.deps.events.publish({ type: 'progress', jobId: job.id, progress: REVIEW_PROGRESS, at: Date.now() });
    const block = await this.deps.moderator.reviewResults(job, results);
    if (!block) {
      await this.finish(job, { status: 'succeeded', results, statusCalls });
      return;
    }
    await this.finish(job, {
      status: 'failed',
      error: { code: 'content_policy_violation', message: block.message, stage: block.stage, category: block.category, ...(block.scores && { scores: block.scores }) },
      statusCalls,
    });
  }

  private async finish(
    job: JobRecord,
    outcome:
      | { status: 'succeeded'; results: JobRecord['results']; statusCalls?: number }
      | { status: 'failed'; error: NormalisedError; statusCalls?: number },
  ): Promise<void> {
    const now = Date.now();
    const statusCalls = outcome.statusCalls ?? job.statusCalls;
    if (outcome.status === 'succeeded') await this.deps.store.succeed(job.id, outcome.results, statusCalls, now);
    else await this.deps.store.fail(job.id, outcome.error, statusCalls, now);
    const finished = await this.deps.store.get(job.id);
    if (finished) this.deps.events.publish({ type: 'finished', jobId: job.id, job: finished });
    this.deps.log.info(
      { jobId: job.id, model: job.model, status: finished?.status, code: finished?.error?.code, ms: now - job.createdAt },
      'job finished',
    );
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      await this.deps.store.renewLeases(this.deps.instanceId, ids, Date.now(), this.deps.settings.leaseMs);
    } catch (err) {
      this.deps.log.error({ err }, 'could not renew job leases');
    }
  }

  private async adoptOrphans(): Promise<void> {
    if (this.stopped) return;
    try {
      const orphans = await this.deps.store.findOrphaned(Date.now(), 200, this.deps.instanceId);
      for (const job of orphans) {
        if (TERMINAL_STATUSES.includes(job.status) || this.active.has(job.id)) continue;
        this.deps.log.info({ jobId: job.id, hasOperation: job.operation !== null }, 'resuming job');
        void this.claimAndDrive(job.id);
      }
    } catch (err) {
      this.deps.log.error({ err }, 'orphan scan failed');
    }
  }

  /**
   * Delivers a job's events to `listener`. A job that finished before the call is delivered as a
   * `finished` event at once, so a follower can never miss the end.
   */
  follow(jobId: string, listener: (event: JobEvent) => void): () => void {
    const unsubscribe = this.deps.events.subscribe(jobId, listener);
    void this.deps.store.get(jobId).then((job) => {
      if (job && TERMINAL_STATUSES.includes(job.status)) listener({ type: 'finished', jobId, job });
    });
    return unsubscribe;
  }

  /** Resolves with the job once it is terminal, whichever instance runs it. */
  async waitFor(jobId: string, signal?: AbortSignal): Promise<JobRecord | null> {
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
      const check = setInterval(() => void lookInStore(), 5_000);
      const onAbort = () => done(null);
      signal?.addEventListener('abort', onAbort);
      void lookInStore();
    });
  }
}
