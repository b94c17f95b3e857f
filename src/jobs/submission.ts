import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { GenerationRequest } from '../intent/types.js';
import type { Metrics } from '../metrics/index.js';
import { storedOperation } from '../providers/completed-operation.js';
import { UpstreamError } from '../providers/errors.js';
import { fitRequest } from '../providers/fit-request.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { NormalisedError, OperationRef, ProviderContext } from '../providers/types.js';
import { interruptedSubmission } from './interrupted-submission.js';
import type { ChannelSlots } from './channel-slots.js';
import { type HeldChannel, keyForSubmission, keyForTask, recordedRoute } from './job-channel.js';
import { recoverSubmission, withRecoveryNote } from './recover-submission.js';
import { abortableSleep } from './sleep.js';
import type { SubmissionPace } from './submission-pace.js';
import type { JobRecord, JobStore } from './types.js';

export interface SubmissionDeps {
  store: JobStore;
  channels: ChannelRegistry;
  settings: Config['jobs'];
  log: FastifyBaseLogger;
  /** This instance's lease owner id: a job whose lease went to another instance is not submitted from here. */
  instanceId: string;
  /** Builds the provider context for one channel and key. */
  context(jobId: string, route: Route, apiKey: string, signal: AbortSignal): ProviderContext;
  /** Queue time (created → first submission). */
  metrics?: Metrics;
  /** Channels' concurrency slots, shared by every instance on the database. */
  slots: ChannelSlots;
  /** Keys' submission rates (`rpm`), shared likewise. */
  pace: SubmissionPace;
}

/** A job's task upstream, on the channel that holds it: what the poll loop works with. */
export interface SubmittedTask extends HeldChannel {
  operation: OperationRef;
  /** The request as fitted to this channel (re-fitted after a failover). */
  request: GenerationRequest;
}

/** What one channel made of a submission; undefined when the job stopped here (abort, cancel, lost lease). */
type ChannelAttempt =
  | { ok: true; task: SubmittedTask }
  | { ok: false; error: NormalisedError; failOver: boolean }
  | undefined;

/** Longest wait honoured from a Retry-After header before trying the next channel instead. */
const MAX_RETRY_AFTER_MS = 60_000;
/**
 * How long after taking over a job whose submission was under way a lookup that finds nothing is
 * still doubted: a request cut off by its sender's death reaches an upstream within moments.
 */
const INTERRUPTED_SUBMISSION_SETTLE_MS = 10_000;
const noChannel = (model: string): NormalisedError => ({
  code: 'no_channel_available',
  message: `No upstream channel is available for ${model} right now.`,
});
const notStartedInTime = (timeoutMs: number): NormalisedError => ({
  code: 'job_timeout',
  message: `The job could not be started upstream within ${Math.round(timeoutMs / 60_000)} minutes.`,
});
const channelGone = (name: string | null): NormalisedError => ({
  code: 'channel_unavailable',
  message: `The channel "${name}" that ran this job is no longer configured.`,
});

/**
 * The request fitted to `route`'s upstream model. The generation pipeline fitted it to the job's
 * first channel; a failover fits the original request again, so an adapter always receives a
 * request made for the channel it runs on. Jobs stored without their original are fitted from the
 * request they have.
 */
function fitTo(job: JobRecord, route: Route): GenerationRequest {
  const original = job.originalRequest ?? job.request;
  return fitRequest(route.channel.provider, original, route.upstreamModel);
}

/**
 * Owns the channel of a job for its whole life here: picks it (the channel the request was fitted
 * to first, the others by priority on failover), takes its concurrency slot, chooses the key,
 * submits, and releases the slot when the job stops running here — after a restart too, when the
 * job resumes on the channel that holds its task.
 *
 * A submission is repeated — after a backoff on the same channel, then on the next channel by
 * priority — only when the upstream certainly did not accept it (UpstreamError
 * `not_accepted`/`key_rejected`). The operation reference is persisted the moment it exists, so
 * polling, restarts and takeovers never submit again.
 */
export class Submitter {
  constructor(private readonly deps: SubmissionDeps) {}

  /**
   * Runs `use` with the job's task on the channel that holds it, then frees the channel's slot.
   * Returns the failure to end the job with when it could not be started; undefined when `use` ran
   * or the job stopped here (abort, cancel, lost lease).
   */
  async run(
    job: JobRecord,
    signal: AbortSignal,
    use: (task: SubmittedTask) => Promise<void>,
  ): Promise<NormalisedError | undefined> {
    const attempt = job.operation ? await this.resume(job, job.operation) : await this.submit(job, signal);
    if (!attempt) return undefined;
    if (!attempt.ok) return attempt.error;
    try {
      await use(attempt.task);
    } finally {
      await this.deps.slots.release(attempt.task.route.channel, job.id);
    }
    return undefined;
  }

  /** A job whose task exists upstream: it keeps its channel and key, and counts on the channel's limit. */
  private async resume(job: JobRecord, operation: OperationRef): Promise<ChannelAttempt> {
    const route = recordedRoute(this.deps.channels, job);
    if (!route) return { ok: false, error: channelGone(job.channel), failOver: false };
    await this.deps.slots.hold(route.channel, job.id);
    return {
      ok: true,
      task: { route, key: keyForTask(route.channel, job.channelKey), operation, request: job.request },
    };
  }

  private async submit(job: JobRecord, signal: AbortSignal): Promise<ChannelAttempt> {
    const recorded = recordedRoute(this.deps.channels, job);
    const interrupted = interruptedSubmission(job, recorded);
    if (interrupted) return this.recoverInterrupted(job, recorded, interrupted, signal);
    const tried = new Set<string>();
    let lastError: NormalisedError | undefined;
    for (;;) {
      // The channel chosen when the request was accepted goes first; the others follow by priority.
      const route = await this.nextFreeRoute(job, tried, signal);
      // The slot was taken just as the job stopped or ran out of time: it goes back unused.
      if (route && (signal.aborted || this.pastDeadline(job))) await this.deps.slots.release(route.channel, job.id);
      if (signal.aborted) return undefined;
      // Work started after the deadline would be billed upstream and then thrown away by the job timeout.
      if (this.pastDeadline(job))
        return { ok: false, error: lastError ?? notStartedInTime(this.deps.settings.timeoutMs), failOver: false };
      if (!route) return { ok: false, error: lastError ?? noChannel(job.model), failOver: false };
      tried.add(route.channel.name);
      let attempt: ChannelAttempt;
      try {
        // Queue time ends at the job's first submission, not at a failover's or a restart's.
        attempt = await this.submitOn(job, route, signal, tried.size === 1 && job.submitAttempts === 0);
      } catch (err) {
        await this.deps.slots.release(route.channel, job.id);
        throw err;
      }
      // The slot stays taken while the task runs: `run` frees it when the job stops here.
      if (attempt?.ok) return attempt;
      await this.deps.slots.release(route.channel, job.id);
      if (!attempt) return undefined;
      lastError = attempt.error;
      if (!attempt.failOver) return attempt;
      this.deps.log.warn(
        { jobId: job.id, channel: route.channel.name, code: attempt.error.code },
        'submission failed; trying the next channel',
      );
    }
  }

  /**
   * The first untried channel, in routing order, on which the job took a concurrency slot; a job
   * waits while every untried channel is at its limit (busy channels are not failures). The slot is
   * the job's until it is released.
   */
  private async nextFreeRoute(
    job: JobRecord,
    tried: ReadonlySet<string>,
    signal: AbortSignal,
  ): Promise<Route | undefined> {
    for (;;) {
      const candidates = this.deps.channels.candidates(job.model).filter((r) => !tried.has(r.channel.name));
      const preferred = candidates.findIndex((r) => r.channel.name === job.channel);
      if (preferred > 0) candidates.unshift(...candidates.splice(preferred, 1));
      if (candidates.length === 0 || signal.aborted || this.pastDeadline(job)) return undefined;
      for (const route of candidates) if (await this.deps.slots.tryTake(route.channel, job.id)) return route;
      const deadline = job.createdAt + this.deps.settings.timeoutMs;
      await this.deps.slots.waitForRoom(
        candidates.map((r) => r.channel),
        deadline,
        signal,
      );
    }
  }

  private pastDeadline(job: JobRecord): boolean {
    return Date.now() > job.createdAt + this.deps.settings.timeoutMs;
  }

  private async submitOn(job: JobRecord, route: Route, signal: AbortSignal, first: boolean): Promise<ChannelAttempt> {
    const { store, settings, log } = this.deps;
    const channel = route.channel;
    // A job failing over leaves the channel its request was fitted to: fitted again, and recorded with the attempt.
    const refitted = channel.name === job.channel ? undefined : fitTo(job, route);
    const request = refitted ?? job.request;
    let lastError: NormalisedError = noChannel(job.model);
    let queueTimed = !first;
    for (let attempt = 1; attempt <= settings.submitAttempts; attempt++) {
      const key = keyForSubmission(channel);
      if (!key)
        return {
          ok: false,
          error: { code: 'upstream_auth_failed', message: `Every API key of channel "${channel.name}" was refused.` },
          failOver: true,
        };
      // Over the key's rate the submission waits its turn; it is not the customer's error.
      if (!(await this.deps.pace.take(channel, key.id, signal))) return undefined;
      // A job cancelled meanwhile, or taken over by another instance after this one stalled past its
      // lease, must not reach the upstream from here.
      const submittedAt = Date.now();
      if (!(await store.markSubmitting(job.id, this.deps.instanceId, channel.name, key.id, submittedAt, refitted)))
        return undefined;
      if (!queueTimed) this.deps.metrics?.recordJobSubmitted(job.model, channel.name, job.createdAt, submittedAt);
      queueTimed = true;
      const ctx = this.deps.context(job.id, route, key.key, signal);
      try {
        const operation = storedOperation(await channel.provider.start(request, ctx));
        await store.saveOperation(job.id, operation, Date.now());
        channel.recordSuccess();
        return { ok: true, task: { route, key, operation, request } };
      } catch (err) {
        if (signal.aborted) return undefined;
        if (!(err instanceof UpstreamError)) throw err;
        lastError = err.normalised;
        if (err.failure === 'ambiguous')
          return this.afterAmbiguousSubmission(job, { route, key, request }, ctx, submittedAt, err, signal);
        // The upstream answered and refused this request: final.
        if (!err.retryable) return { ok: false, error: err.normalised, failOver: false };
        await store.markNotSubmitted(job.id, Date.now());
        if (err.failure === 'key_rejected' && key.id) {
          const retired = channel.keys.retire(key.id, err.normalised.message);
          if (retired)
            log.error(
              {
                jobId: job.id,
                channel: channel.name,
                keyId: retired.id,
                keyMasked: retired.masked,
                status: err.details.status,
              },
              'upstream refused an API key; it is out of rotation',
            );
          attempt--; // a refused key is not the job's fault: try the next key without spending an attempt
          continue;
        }
        channel.recordFailure();
        const retryAfter = err.details.retryAfterMs;
        if (attempt === settings.submitAttempts || (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS)) break;
        const backoff = retryAfter ?? settings.submitBackoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
        log.warn(
          { jobId: job.id, channel: channel.name, code: err.normalised.code, attempt, backoffMs: Math.round(backoff) },
          'upstream did not accept the submission; retrying',
        );
        await abortableSleep(backoff, signal);
        if (signal.aborted) return undefined;
        if (this.pastDeadline(job)) break;
      }
    }
    return { ok: false, error: lastError, failOver: true };
  }

  /**
   * The upstream may have created the task (a cut-off or malformed success answer): submitting again
   * could run and bill it twice. The task is looked for where the protocol allows it; found, the job
   * polls on; otherwise it ends with the upstream's answer and what the lookup saw.
   */
  private async afterAmbiguousSubmission(
    job: JobRecord,
    held: Omit<SubmittedTask, 'operation'>,
    ctx: ProviderContext,
    submittedAt: number,
    err: UpstreamError,
    signal: AbortSignal,
  ): Promise<ChannelAttempt> {
    const recovery = await this.lookFor(job, held.route, held.request, ctx, submittedAt, signal);
    if (!recovery) return undefined;
    if (!recovery.found) return { ok: false, error: withRecoveryNote(err.normalised, recovery.note), failOver: false };
    held.route.channel.recordSuccess();
    return { ok: true, task: { ...held, operation: recovery.operation } };
  }

  /**
   * A resumed job whose previous owner died mid-submission: its task may exist upstream, looked for
   * with the key that submitted it. Found, it holds its channel like any resumed job.
   */
  private async recoverInterrupted(
    job: JobRecord,
    route: Route | undefined,
    interrupted: NormalisedError,
    signal: AbortSignal,
  ): Promise<ChannelAttempt> {
    if (!route || job.submittedAt === null) return { ok: false, error: interrupted, failOver: false };
    const key = keyForTask(route.channel, job.channelKey);
    const ctx = this.deps.context(job.id, route, key.key, signal);
    // The previous owner may have died (or lost its lock) with the request still on its way: a task
    // the upstream creates a moment later must not be missed, so "not found" is not believed at once.
    const conclusiveFrom = Math.min(
      job.submittedAt + route.channel.settings.timeoutMs,
      Date.now() + INTERRUPTED_SUBMISSION_SETTLE_MS,
    );
    const recovery = await this.lookFor(job, route, job.request, ctx, job.submittedAt, signal, conclusiveFrom);
    if (!recovery) return undefined;
    if (!recovery.found) return { ok: false, error: withRecoveryNote(interrupted, recovery.note), failOver: false };
    await this.deps.slots.hold(route.channel, job.id);
    return { ok: true, task: { route, key, operation: recovery.operation, request: job.request } };
  }

  private lookFor(
    job: JobRecord,
    route: Route,
    request: GenerationRequest,
    ctx: ProviderContext,
    submittedAt: number,
    signal: AbortSignal,
    conclusiveFrom?: number,
  ) {
    const { store, settings, log } = this.deps;
    return recoverSubmission({
      job,
      request,
      provider: route.channel.provider,
      channel: route.channel.name,
      ctx,
      submittedAt,
      signal,
      backoffMs: settings.submitBackoffMs,
      deadline: job.createdAt + settings.timeoutMs,
      ...(conclusiveFrom !== undefined && { conclusiveFrom }),
      log,
      store,
    });
  }
}
