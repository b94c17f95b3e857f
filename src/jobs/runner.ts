import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Moderator } from '../moderation/types.js';
import type { ChannelRegistry } from '../providers/registry.js';
import type { NormalisedError } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import type { ChannelLimits } from './channel-limits.js';
import type { JobEvent, JobEvents } from './events.js';
import { JobFollower } from './follower.js';
import { keyForTask, recordedRoute } from './job-channel.js';
import { JobDriver } from './job-driver.js';
import { internalError, JobSettler, recordFinished } from './job-settler.js';
import { LeaseKeeper, type LeaseKeeperDeps } from './lease-keeper.js';
import { OutputFinisher } from './output-finisher.js';
import { ProgressWriter } from './progress-writer.js';
import { ProviderContexts } from './provider-context.js';
import { Submitter } from './submission.js';
import type { JobRecord, JobStore, NewJob } from './types.js';
import { TERMINAL_STATUSES } from './types.js';
import { loggableError } from './loggable-error.js';

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
  /** Jobs finished, queue time, upstream calls; absent in engine tests that do not look at them. */
  metrics?: Metrics;
  /** PostgreSQL: instance liveness, for taking a dead instance's jobs over at once (LeaseKeeper). */
  cluster?: LeaseKeeperDeps['cluster'];
  /** Channels' concurrency and keys' rates, shared through the database. */
  limits: ChannelLimits;
}

/** Time allowed for asking an upstream to cancel a task. */
const CANCEL_TIMEOUT_MS = 15_000;

/**
 * Drives jobs from submission to a terminal state. The instance that receives a request runs its
 * job at once; a periodic scan picks up jobs whose owner died (lock gone or lease expired) and resumes them from
 * the stored operation reference, so nothing already accepted upstream is submitted again.
 *
 * The parts: LeaseKeeper (which jobs run here), Submitter (the job's channel, slot and key),
 * JobDriver (the poll loop and deadline), OutputFinisher (results to the terminal row), JobSettler
 * (the terminal row itself), JobFollower (events and waiting).
 */
export class JobRunner {
  private readonly leases: LeaseKeeper;
  private readonly settler: JobSettler;
  private readonly contexts: ProviderContexts;
  private readonly progressWriter: ProgressWriter;
  private readonly follower: JobFollower;

  constructor(private readonly deps: RunnerDeps) {
    const { store, channels, media, events, instanceId, settings, log, moderator, metrics, limits } = deps;
    this.progressWriter = new ProgressWriter(store, settings.progressWriteIntervalMs, log);
    this.contexts = new ProviderContexts({ media, events, metrics });
    this.settler = new JobSettler({
      store,
      events,
      progressWriter: this.progressWriter,
      log,
      instanceId,
      metrics,
      channels,
    });
    const submitter = new Submitter({
      store,
      channels,
      settings,
      log,
      instanceId,
      metrics,
      slots: limits.slots,
      pace: limits.pace,
      context: (jobId, route, apiKey, signal) => this.contexts.for(jobId, route, apiKey, signal),
    });
    const finisher = new OutputFinisher({
      store,
      media,
      events,
      settings,
      log,
      moderator,
      settler: this.settler,
      stopping: () => this.leases.isStopped,
    });
    const driver = new JobDriver({
      store,
      events,
      settings,
      log,
      submitter,
      contexts: this.contexts,
      progressWriter: this.progressWriter,
      finisher,
      settler: this.settler,
    });
    this.leases = new LeaseKeeper({
      store,
      instanceId,
      cluster: deps.cluster,
      settings,
      log,
      drive: async (job, signal) => {
        try {
          await driver.drive(job, signal);
        } finally {
          this.contexts.forget(job.id);
        }
      },
      crashed: async (job, err) => {
        log.error({ err, jobId: job.id }, 'job failed with an internal error');
        await this.settler.finish(job, {
          status: 'failed',
          error: internalError('The job stopped because of an internal error in the gateway.'),
        });
      },
    });
    this.follower = new JobFollower({ store, events, runningHere: (jobId) => this.leases.isActive(jobId) });
  }

  start(): void {
    this.progressWriter.start();
    this.leases.start();
  }

  /** Stops driving jobs and releases their leases so the next instance resumes them at once. */
  async stop(): Promise<void> {
    const stopping = this.leases.stop();
    await this.progressWriter.stop();
    await stopping;
    this.deps.limits.slots.stop();
  }

  /**
   * Persists the job, then starts it without waiting for a poll cycle. A job the gateway's own
   * review already refused (`rejection`) is recorded as failed and never reaches an upstream.
   */
  async submit(newJob: NewJob, rejection?: NormalisedError): Promise<JobRecord> {
    // The lease is taken in the insert itself: the job is this instance's from its first moment.
    const runHere = !rejection && !this.leases.isStopped;
    const lease = runHere
      ? { leaseOwner: this.deps.instanceId, leaseExpiresAt: Date.now() + this.deps.settings.leaseMs }
      : {};
    const job = await this.deps.store.create({ ...newJob, ...lease, ...(rejection && { rejection }) });
    if (job.quote) this.deps.metrics?.recordMoney('reserved', job.model, job.quote.amount);
    if (rejection) {
      this.settler.announce(job, Date.now());
      return job;
    }
    if (runHere) void this.leases.run(job.id, job);
    return job;
  }

  /**
   * Stops a job that has not finished: the upstream is asked to cancel where its protocol allows
   * (best effort — the task may already be done), and the job ends `cancelled`. Returns the job, or
   * null when it was already terminal or unknown.
   */
  async cancel(jobId: string): Promise<JobRecord | null> {
    const { store, channels, events, log, metrics } = this.deps;
    const job = await store.get(jobId);
    if (!job || TERMINAL_STATUSES.includes(job.status)) return null;
    this.leases.abort(jobId);
    const route = recordedRoute(channels, job);
    if (route && job.operation && route.channel.provider.cancel) {
      const key = keyForTask(route.channel, job.channelKey);
      const ctx = this.contexts.for(jobId, route, key.key, AbortSignal.timeout(CANCEL_TIMEOUT_MS));
      await route.channel.provider
        .cancel(job.operation, ctx)
        .catch((err) => log.warn({ err: loggableError(err), jobId }, 'upstream cancel failed'));
    }
    // Null when the job finished on its own meanwhile: its outcome stands and the caller answers 409.
    const cancelled = await store.cancel(jobId, Date.now());
    if (cancelled) {
      events.publish({ type: 'finished', jobId, job: cancelled });
      if (metrics) recordFinished(metrics, cancelled, Date.now());
    }
    return cancelled;
  }

  get activeCount(): number {
    return this.leases.activeCount;
  }

  /** Whether this process drives the job now (its events are published here). */
  runsHere(jobId: string): boolean {
    return this.leases.isActive(jobId);
  }

  /** Whether a stream or a waiting request of this process follows the job now. */
  isFollowed(jobId: string): boolean {
    return this.deps.events.isFollowed(jobId);
  }

  follow(jobId: string, listener: (event: JobEvent) => void): () => void {
    return this.follower.follow(jobId, listener);
  }

  waitFor(jobId: string, signal?: AbortSignal): Promise<JobRecord | null> {
    return this.follower.waitFor(jobId, signal);
  }
}
