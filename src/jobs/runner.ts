import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { NormalisedError, OperationRef, ProviderContext, UpstreamUsage } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import type { Moderator } from '../moderation/types.js';
import type { JobEvent, JobEvents } from './events.js';
import { completedStatus, operationStatus } from '../providers/completed-operation.js';
import { UpstreamError } from '../providers/errors.js';
import { conformImageFormat } from './conform-format.js';
import { persistOutputs } from './persist-outputs.js';
import { ProgressWriter } from './progress-writer.js';
import { Submitter } from './submission.js';
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
/** How often a polled job's status is read again, to notice a cancel made elsewhere. */
const STATE_RECHECK_MS = 30_000;
/** Tries at downloading a finished result before the job fails. */
const MAX_DOWNLOAD_ATTEMPTS = 3;

/** An error as a log line can carry it: never the request that holds a key. */
const describe = (err: unknown) => (err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) });

const internalError = (message: string): NormalisedError => ({ code: 'internal_error', message });

/**
 * Drives jobs from submission to a terminal state. The instance that receives a request runs its
 * job at once; a periodic scan picks up jobs whose owner died (lease expired) and resumes them from
 * the stored operation reference, so nothing already accepted upstream is submitted again.
 */
export class JobRunner {
  private readonly active = new Map<string, AbortController>();
  /** Progress a provider reported while its `start` was still running (streaming relays). */
  private readonly startProgress = new Map<string, number>();
  private readonly submitter: Submitter;
  private readonly progressWriter: ProgressWriter;
  private leaseTimer?: NodeJS.Timeout;
  private orphanTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Whether a scan has run since start: only the first reclaims this identity's unexpired leases. */
  private scannedOnce = false;

  constructor(private readonly deps: RunnerDeps) {
    this.progressWriter = new ProgressWriter(deps.store, deps.settings.progressWriteIntervalMs, deps.log);
    this.submitter = new Submitter({
      store: deps.store,
      channels: deps.channels,
      settings: deps.settings,
      log: deps.log,
      instanceId: deps.instanceId,
      context: (jobId, route, apiKey, signal) => this.context(jobId, route, apiKey, signal),
    });
  }

  start(): void {
    const { leaseMs, orphanScanIntervalMs } = this.deps.settings;
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(leaseMs / 3)));
    this.orphanTimer = setInterval(() => void this.adoptOrphans(), orphanScanIntervalMs);
    this.leaseTimer.unref();
    this.orphanTimer.unref();
    this.progressWriter.start();
    void this.adoptOrphans();
  }

  /** Stops driving jobs and releases their leases so the next instance resumes them at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.orphanTimer);
    const ids = [...this.active.keys()];
    for (const controller of this.active.values()) controller.abort();
    await this.progressWriter.stop();
    if (ids.length > 0) await this.deps.store.renewLeases(this.deps.instanceId, ids, Date.now(), 0).catch(() => {});
  }

  /**
   * Persists the job, then starts it without waiting for a poll cycle. A job the gateway's own
   * review already refused (`rejection`) is recorded as failed and never reaches an upstream.
   */
  async submit(newJob: NewJob, rejection?: NormalisedError): Promise<JobRecord> {
    // The lease is taken in the insert itself: the job is this instance's from its first moment.
    const runHere = !rejection && !this.stopped;
    const lease = runHere ? { leaseOwner: this.deps.instanceId, leaseExpiresAt: Date.now() + this.deps.settings.leaseMs } : {};
    const job = await this.deps.store.create({ ...newJob, ...lease });
    if (rejection) {
      await this.finish(job, { status: 'failed', error: rejection });
      return job;
    }
    if (runHere) void this.claimAndDrive(job.id, job);
    return job;
  }

  /**
   * Stops a job that has not finished: the upstream is asked to cancel where its protocol allows
   * (best effort — the task may already be done), and the job ends `cancelled`. Returns the job, or
   * null when it was already terminal or unknown.
   */
  async cancel(jobId: string): Promise<JobRecord | null> {
    const job = await this.deps.store.get(jobId);
    if (!job || TERMINAL_STATUSES.includes(job.status)) return null;
    this.active.get(jobId)?.abort();
    const route = job.channel ? this.deps.channels.routeOn(job.channel, job.model) : undefined;
    if (route && job.operation && route.channel.provider.cancel) {
      const key = route.channel.keys.byId(job.channelKey) ?? route.channel.keys.next() ?? { key: '' };
      const ctx = this.context(jobId, route, key.key, AbortSignal.timeout(15_000));
      await route.channel.provider.cancel(job.operation, ctx).catch((err) => this.deps.log.warn({ err: describe(err), jobId }, 'upstream cancel failed'));
    }
    // Null when the job finished on its own meanwhile: its outcome stands and the caller answers 409.
    const cancelled = await this.deps.store.cancel(jobId, Date.now());
    if (cancelled) this.deps.events.publish({ type: 'finished', jobId, job: cancelled });
    return cancelled;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Claims the job (unless `claimed`, created with this instance's lease already) and drives it. */
  private async claimAndDrive(jobId: string, claimed?: JobRecord): Promise<void> {
    if (this.stopped || this.active.has(jobId)) return;
    // Reserve the id before the first await, so a scan running meanwhile cannot drive it twice.
    const controller = new AbortController();
    this.active.set(jobId, controller);
    const { store, instanceId, settings } = this.deps;
    let job: JobRecord | null = null;
    try {
      job = claimed ?? (await store.claim(jobId, instanceId, Date.now(), settings.leaseMs));
      if (job) await this.drive(job, controller.signal);
    } catch (err) {
      this.deps.log.error({ err, jobId }, 'job failed with an internal error');
      if (job) await this.finish(job, { status: 'failed', error: internalError('The job stopped because of an internal error in the gateway.') }).catch(() => {});
    } finally {
      this.active.delete(jobId);
      this.startProgress.delete(jobId);
    }
  }

  private async drive(job: JobRecord, signal: AbortSignal): Promise<void> {
    let route = job.channel ? this.deps.channels.routeOn(job.channel, job.model) : undefined;
    let keyId = job.channelKey;
    let operation = job.operation;
    if (operation) {
      if (!route) {
        await this.finish(job, {
          status: 'failed',
          error: { code: 'channel_unavailable', message: `The channel "${job.channel}" that ran this job is no longer configured.` },
        });
        return;
      }
      route.channel.acquire();
    } else {
      if (job.submittedAt !== null && !(route?.channel.provider.idempotentStart ?? false)) {
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
      const outcome = await this.submitter.submit(job, signal);
      if (!outcome) return;
      if (!outcome.ok) {
        await this.finish(job, { status: 'failed', error: outcome.error });
        return;
      }
      ({ route, keyId, operation } = outcome);
    }
    try {
      const key = route.channel.keys.byId(keyId) ?? route.channel.keys.next() ?? { key: '' };
      await this.poll(job, route, operation, this.context(job.id, route, key.key, signal), signal);
    } finally {
      route.channel.release();
    }
  }

  private context(jobId: string, route: Route, apiKey: string, signal: AbortSignal): ProviderContext {
    const { media, events } = this.deps;
    return {
      upstreamModel: route.upstreamModel,
      http: route.channel.http(apiKey),
      readReference: (key) => media.read(key),
      storeOutput: async (data, contentType) => {
        const stored = await media.put(data, contentType);
        return { type: 'stored', key: stored.key, bytes: stored.bytes };
      },
      reportProgress: (progress) => {
        const value = Math.min(99, Math.max(0, Math.floor(progress)));
        const last = this.startProgress.get(jobId) ?? 0;
        if (value <= last) return;
        this.startProgress.set(jobId, value);
        events.publish({ type: 'progress', jobId, progress: value, at: Date.now() });
      },
      signal,
    };
  }

  /** The provider's schedule, unless the channel (or, for tests and benchmarks, the gateway) sets a steady interval. */
  private pollDelay(route: Route, job: JobRecord, attempt: number): number {
    const scheduled = route.channel.provider.pollIntervalMs(attempt, job.request);
    const steady = route.channel.settings.pollIntervalMs ?? this.deps.settings.pollIntervalMs;
    if (steady === undefined || scheduled === 0) return scheduled;
    return steady;
  }

  private async poll(job: JobRecord, route: Route, operation: OperationRef, ctx: ProviderContext, signal: AbortSignal) {
    const { store, events, settings } = this.deps;
    const provider = route.channel.provider;
    const deadline = job.createdAt + settings.timeoutMs;
    let statusCalls = job.statusCalls;
    let progress = Math.max(job.progress, this.startProgress.get(job.id) ?? 0);
    this.startProgress.delete(job.id);
    let consecutiveErrors = 0;
    let downloadFailures = 0;
    let lastRecheck = Date.now();
    // A synchronous upstream already finished inside `start`: collect its outputs without waiting.
    const completed = completedStatus(operation) !== undefined;
    let nextDelay = completed ? 0 : this.pollDelay(route, job, 0);
    const fail = (error: NormalisedError) => this.finish(job, { status: 'failed', error, statusCalls });

    for (let attempt = 1; ; attempt++) {
      await abortableSleep(nextDelay, signal);
      if (signal.aborted) return;
      // Outputs already in hand (and paid for) are collected even when `start` ran past the deadline.
      if (Date.now() > deadline && !completed) {
        return fail({ code: 'job_timeout', message: `The job did not finish within ${Math.round(settings.timeoutMs / 60_000)} minutes.` });
      }
      // Another instance (or a DELETE) may have ended the job meanwhile: stop paying for its polls.
      if (Date.now() - lastRecheck >= STATE_RECHECK_MS) {
        lastRecheck = Date.now();
        const current = await store.statusOf(job.id);
        if (!current || TERMINAL_STATUSES.includes(current)) return;
      }
      if (statusCalls >= settings.maxStatusCalls) {
        return fail({ code: 'upstream_timeout', message: `The upstream had not finished after ${statusCalls} status checks.` });
      }
      nextDelay = this.pollDelay(route, job, attempt);
      let status;
      try {
        statusCalls++;
        status = await operationStatus(provider, operation, job.request, ctx);
        consecutiveErrors = 0;
      } catch (err) {
        if (signal.aborted) return;
        // The upstream answered that this task cannot go on (gone, refused): that is the outcome.
        if (err instanceof UpstreamError && err.failure === 'rejected') return fail(err.normalised);
        consecutiveErrors++;
        this.deps.log.warn({ err: describe(err), jobId: job.id, consecutiveErrors }, 'status call failed; will retry');
        if (consecutiveErrors >= MAX_CONSECUTIVE_POLL_ERRORS) {
          const last = err instanceof UpstreamError ? ` The last answer: ${err.normalised.message}` : '';
          return fail({ code: 'upstream_unreachable', message: `${consecutiveErrors} status checks in a row failed.${last}` });
        }
        const hinted = err instanceof UpstreamError ? err.details.retryAfterMs : undefined;
        nextDelay = hinted ?? Math.min(30_000, Math.max(500, nextDelay) * 2 ** (consecutiveErrors - 1));
        continue;
      }

      if (status.state === 'running') {
        if (status.retryAfterMs !== undefined) nextDelay = status.retryAfterMs;
        const reported = Math.min(99, Math.max(0, Math.floor(status.progress ?? progress)));
        if (reported > progress) {
          progress = reported;
          events.publish({ type: 'progress', jobId: job.id, progress, at: Date.now() });
          this.progressWriter.queue({ id: job.id, progress, statusCalls });
        }
        continue;
      }
      if (status.state === 'failed') return fail(status.error);
      let results;
      try {
        results = await persistOutputs(status.outputs, this.deps.media, { maxBytes: settings.resultMaxBytes, timeoutMs: settings.resultTimeoutMs });
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        if (err.failure === 'rejected' || ++downloadFailures >= MAX_DOWNLOAD_ATTEMPTS) return fail(err.normalised);
        this.deps.log.warn({ jobId: job.id, code: err.normalised.code, downloadFailures }, 'result download failed; will retry');
        nextDelay = 1_000 * 2 ** downloadFailures;
        continue;
      }
      const conformed = await conformImageFormat(results, job.request, {
        media: this.deps.media,
        warn: (details, message) => this.deps.log.warn({ ...details, jobId: job.id }, message),
      });
      await this.reviewAndFinish(job, conformed.results, progress, statusCalls, status.usage);
      await this.removeReplaced(job.id, conformed.replaced);
      return;
    }
  }

  /**
   * The upstream's copies of converted images, once the job has ended (never delivered, and a job
   * still running after a shutdown mid-review needs them to resume). A copy another job shares stays.
   */
  private async removeReplaced(jobId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const { store, media } = this.deps;
    const status = await store.statusOf(jobId);
    if (!status || !TERMINAL_STATUSES.includes(status)) return;
    for (const key of keys) if (!(await store.isMediaReferenced(key, jobId))) await media.remove(key);
  }

  /** Stage 3: results that fail review are deleted and the job fails, after progress passed 90 %. */
  private async reviewAndFinish(job: JobRecord, results: JobRecord['results'], progress: number, statusCalls: number, usage?: UpstreamUsage): Promise<void> {
    if (progress < REVIEW_PROGRESS) this.deps.events.publish({ type: 'progress', jobId: job.id, progress: REVIEW_PROGRESS, at: Date.now() });
    let block;
    try {
      block = await this.deps.moderator.reviewResults(job, results);
    } catch (err) {
      // Shutting down: the job stays running and the next instance reviews it again.
      if (this.stopped) return;
      // Unreviewed results are never handed out.
      this.deps.log.error({ err: describe(err), jobId: job.id }, 'output review failed; results withheld');
      await this.deps.moderator.discardResults?.(job, results);
      await this.finish(job, { status: 'failed', error: internalError("The result could not be checked by the gateway's output review, so it was withheld. Please retry."), statusCalls });
      return;
    }
    if (!block) {
      await this.finish(job, { status: 'succeeded', results, statusCalls, usage });
      return;
    }
    // Deleted before the job is marked failed: a crash in between leaves a job that is resumed and reviewed again, never a withheld file on disk.
    await this.deps.moderator.discardResults?.(job, results);
    await this.finish(job, {
      status: 'failed',
      error: { code: 'content_policy_violation', message: block.message, stage: block.stage, category: block.category, ...(block.scores && { scores: block.scores }) },
      statusCalls,
    });
  }

  private async finish(
    job: JobRecord,
    outcome:
      | { status: 'succeeded'; results: JobRecord['results']; statusCalls?: number; usage?: UpstreamUsage }
      | { status: 'failed'; error: NormalisedError; statusCalls?: number },
  ): Promise<void> {
    const now = Date.now();
    const statusCalls = outcome.statusCalls ?? job.statusCalls;
    this.progressWriter.forget(job.id);
    // The stored row comes back rather than being assembled: submission may have changed channel,
    // key and attempts since `job`. Null means another path (a cancel) ended the job first.
    const finished =
      outcome.status === 'succeeded'
        ? await this.deps.store.succeed(job.id, outcome.results, statusCalls, now, outcome.usage)
        : await this.deps.store.fail(job.id, outcome.error, statusCalls, now);
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
      // After the first scan every job this process holds is in `active`; asking for them again would
      // fill the page with running jobs and starve real orphans once 200 or more are in flight.
      const owner = this.scannedOnce ? undefined : this.deps.instanceId;
      this.scannedOnce = true;
      const orphans = await this.deps.store.findOrphaned(Date.now(), 200, owner);
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
    const known = this.finishedOrRunningHere(jobId);
    if (known) queueMicrotask(() => listener({ type: 'finished', jobId, job: known }));
    else if (known === undefined) {
      void this.deps.store.get(jobId).then((job) => {
        if (job && TERMINAL_STATUSES.includes(job.status)) listener({ type: 'finished', jobId, job });
      });
    }
    return unsubscribe;
  }

  /**
   * What this process knows without asking the database: the job as it finished here lately, null
   * when it is running here (its `finished` event is still to come), undefined when nothing is known.
   * Both checks run in the same tick as the caller's subscribe, so no event can slip between them.
   */
  private finishedOrRunningHere(jobId: string): JobRecord | null | undefined {
    const finished = this.deps.events.recentlyFinished(jobId);
    if (finished) return finished;
    return this.active.has(jobId) ? null : undefined;
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
      const known = this.finishedOrRunningHere(jobId);
      if (known) done(known);
      else if (known === undefined) void lookInStore();
    });
  }
}
