import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { Channel } from '../providers/channel.js';
import { storedOperation } from '../providers/completed-operation.js';
import { UpstreamError } from '../providers/errors.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { NormalisedError, OperationRef, ProviderContext } from '../providers/types.js';
import { abortableSleep } from './sleep.js';
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
}

export type SubmissionOutcome =
  | { ok: true; route: Route; keyId: string | null; operation: OperationRef }
  | { ok: false; error: NormalisedError };

/** Longest wait honoured from a Retry-After header before trying the next channel instead. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Longest wait for a slot before the routing order is looked at again (health may have changed). */
const SLOT_RECHECK_MS = 1_000;

/** Resolves when any of the routes' channels frees a slot, after SLOT_RECHECK_MS, or on abort. */
function waitForSlot(routes: Route[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      for (const cancel of cancels) cancel();
      resolve();
    };
    const timer = setTimeout(done, SLOT_RECHECK_MS);
    signal.addEventListener('abort', done, { once: true });
    for (const route of routes) cancels.push(route.channel.onSlotFreed(done));
  });
}

const noChannel = (model: string): NormalisedError => ({ code: 'no_channel_available', message: `No upstream channel is available for ${model} right now.` });
const notStartedInTime = (timeoutMs: number): NormalisedError => ({
  code: 'job_timeout',
  message: `The job could not be started upstream within ${Math.round(timeoutMs / 60_000)} minutes.`,
});

/**
 * Submits a job upstream exactly once. A submission is repeated — after a backoff on the same
 * channel, then on the next channel by priority — only when the upstream certainly did not accept
 * it (UpstreamError `not_accepted`/`key_rejected`). The operation reference is persisted the moment
 * it exists, so polling, restarts and takeovers never submit again.
 */
export class Submitter {
  constructor(private readonly deps: SubmissionDeps) {}

  async submit(job: JobRecord, signal: AbortSignal): Promise<SubmissionOutcome | undefined> {
    const tried = new Set<string>();
    let lastError: NormalisedError | undefined;
    for (;;) {
      // The channel chosen when the request was accepted goes first; the others follow by priority.
      const route = await this.nextFreeRoute(job, tried, signal);
      if (signal.aborted) return undefined;
      // Work started after the deadline would be billed upstream and then thrown away by the job timeout.
      if (this.pastDeadline(job)) return { ok: false, error: lastError ?? notStartedInTime(this.deps.settings.timeoutMs) };
      if (!route) return { ok: false, error: lastError ?? noChannel(job.model) };
      if (!route.channel.tryAcquire()) continue; // another job took the last slot meanwhile
      tried.add(route.channel.name);
      let outcome;
      try {
        outcome = await this.submitOn(job, route, signal);
      } catch (err) {
        route.channel.release();
        throw err;
      }
      if (!outcome || outcome.ok) {
        if (!outcome) route.channel.release();
        return outcome;
      }
      route.channel.release();
      lastError = outcome.error;
      if (!outcome.failOver) return { ok: false, error: outcome.error };
      this.deps.log.warn({ jobId: job.id, channel: route.channel.name, code: outcome.error.code }, 'submission failed; trying the next channel');
    }
  }

  /**
   * The first untried channel, in routing order, with a free concurrency slot; a job waits while
   * every untried channel is at its limit (busy channels are not failures).
   */
  private async nextFreeRoute(job: JobRecord, tried: ReadonlySet<string>, signal: AbortSignal): Promise<Route | undefined> {
    for (;;) {
      const candidates = this.deps.channels.candidates(job.model).filter((r) => !tried.has(r.channel.name));
      const preferred = candidates.findIndex((r) => r.channel.name === job.channel);
      if (preferred > 0) candidates.unshift(...candidates.splice(preferred, 1));
      if (candidates.length === 0 || signal.aborted || this.pastDeadline(job)) return undefined;
      const free = candidates.find((r) => r.channel.running < r.channel.settings.concurrency);
      if (free) return free;
      await waitForSlot(candidates, signal);
    }
  }

  private pastDeadline(job: JobRecord): boolean {
    return Date.now() > job.createdAt + this.deps.settings.timeoutMs;
  }

  private async submitOn(
    job: JobRecord,
    route: Route,
    signal: AbortSignal,
  ): Promise<{ ok: true; route: Route; keyId: string | null; operation: OperationRef } | { ok: false; error: NormalisedError; failOver: boolean } | undefined> {
    const { store, settings, log } = this.deps;
    const channel = route.channel;
    let lastError: NormalisedError = noChannel(job.model);
    for (let attempt = 1; attempt <= settings.submitAttempts; attempt++) {
      const key = pickKey(channel);
      if (!key) return { ok: false, error: { code: 'upstream_auth_failed', message: `Every API key of channel "${channel.name}" was refused.` }, failOver: true };
      // A job cancelled meanwhile, or taken over by another instance after this one stalled past its
      // lease, must not reach the upstream from here.
      if (!(await store.markSubmitting(job.id, this.deps.instanceId, channel.name, key.id, Date.now()))) return undefined;
      try {
        const operation = storedOperation(await channel.provider.start(job.request, this.deps.context(job.id, route, key.key, signal)));
        await store.saveOperation(job.id, operation, Date.now());
        channel.recordSuccess();
        return { ok: true, route, keyId: key.id, operation };
      } catch (err) {
        if (signal.aborted) return undefined;
        if (!(err instanceof UpstreamError)) throw err;
        lastError = err.normalised;
        if (!err.retryable) {
          // The upstream answered; a refusal of this request is final, an ambiguous answer must not be repeated.
          return { ok: false, error: err.normalised, failOver: false };
        }
        await store.markNotSubmitted(job.id, Date.now());
        if (err.failure === 'key_rejected' && key.id) {
          const retired = channel.keys.retire(key.id, err.normalised.message);
          if (retired) log.error({ channel: channel.name, key: retired.masked, status: err.details.status }, 'upstream refused an API key; it is out of rotation');
          attempt--; // a refused key is not the job's fault: try the next key without spending an attempt
          continue;
        }
        channel.recordFailure();
        const retryAfter = err.details.retryAfterMs;
        if (attempt === settings.submitAttempts || (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS)) break;
        const backoff = retryAfter ?? settings.submitBackoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
        log.warn({ jobId: job.id, channel: channel.name, code: err.normalised.code, attempt, backoffMs: Math.round(backoff) }, 'upstream did not accept the submission; retrying');
        await abortableSleep(backoff, signal);
        if (signal.aborted) return undefined;
        if (this.pastDeadline(job)) break;
      }
    }
    return { ok: false, error: lastError, failOver: true };
  }
}

/** Channels without keys (a keyless proxy, the sandbox) authenticate with nothing. */
function pickKey(channel: Channel): { id: string | null; key: string } | undefined {
  if (channel.settings.keys.length === 0) return { id: null, key: '' };
  return channel.keys.next();
}
