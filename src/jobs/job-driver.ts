import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import { completedStatus, operationStatus } from '../providers/completed-operation.js';
import { UpstreamError } from '../providers/errors.js';
import type { NormalisedError, OperationRef, OperationStatus } from '../providers/types.js';
import { DownloadRetry } from './download-retry.js';
import type { JobEvents } from './events.js';
import type { JobSettler } from './job-settler.js';
import type { OutputFinisher } from './output-finisher.js';
import type { ProgressWriter } from './progress-writer.js';
import type { ProviderContexts } from './provider-context.js';
import { abortableSleep } from './sleep.js';
import type { SubmittedTask, Submitter } from './submission.js';
import type { JobRecord, JobStore } from './types.js';
import { TERMINAL_STATUSES } from './types.js';
import { loggableError } from './loggable-error.js';

export interface JobDriverDeps {
  store: JobStore;
  events: JobEvents;
  settings: Config['jobs'];
  log: FastifyBaseLogger;
  submitter: Submitter;
  contexts: ProviderContexts;
  progressWriter: ProgressWriter;
  finisher: OutputFinisher;
  settler: JobSettler;
}

/** Consecutive failed status calls after which a job is given up on. */
const MAX_CONSECUTIVE_POLL_ERRORS = 10;
/** How often a polled job's status is read again, to notice a cancel made elsewhere. */
const STATE_RECHECK_MS = 30_000;

/**
 * A synchronous upstream finished inside `start`: its outputs are already in hand (and paid for).
 * The one place the engine reads the "completed operation" convention.
 */
const finishedAtStart = (operation: OperationRef): boolean => completedStatus(operation) !== undefined;

/** Drives one job this instance holds: hands it to the submitter, then polls its task to the end. */
export class JobDriver {
  constructor(private readonly deps: JobDriverDeps) {}

  async drive(job: JobRecord, signal: AbortSignal): Promise<void> {
    const failure = await this.deps.submitter.run(job, signal, (task) =>
      this.poll({ ...job, request: task.request }, task, signal),
    );
    if (failure) await this.deps.settler.finish(job, { status: 'failed', error: failure });
  }

  /** The provider's schedule, unless the channel (or, for tests and benchmarks, the gateway) sets a steady interval. */
  private pollDelay(task: SubmittedTask, job: JobRecord, attempt: number): number {
    const { route } = task;
    const scheduled = route.channel.provider.pollIntervalMs(attempt, job.request);
    const steady = route.channel.settings.pollIntervalMs ?? this.deps.settings.pollIntervalMs;
    if (steady === undefined || scheduled === 0) return scheduled;
    return steady;
  }

  private async poll(job: JobRecord, task: SubmittedTask, signal: AbortSignal): Promise<void> {
    const { store, events, settings, log, contexts, progressWriter, finisher, settler } = this.deps;
    const { route, operation } = task;
    const provider = route.channel.provider;
    const ctx = contexts.for(job.id, route, task.key.key, signal);
    const deadline = job.createdAt + settings.timeoutMs;
    const downloads = new DownloadRetry(settings);
    let statusCalls = job.statusCalls;
    let progress = Math.max(job.progress, contexts.takeStartProgress(job.id));
    let consecutiveErrors = 0;
    let lastRecheck = Date.now();
    // Outputs in hand (and paid for) are collected even past the deadline or the status-call cap.
    let outputsReady = finishedAtStart(operation);
    let nextDelay = outputsReady ? 0 : this.pollDelay(task, job, 0);
    const fail = (error: NormalisedError) => settler.finish(job, { status: 'failed', error, statusCalls });

    for (let attempt = 1; ; attempt++) {
      await abortableSleep(nextDelay, signal);
      if (signal.aborted) return;
      if (Date.now() > deadline && !outputsReady) {
        return fail({
          code: 'job_timeout',
          message: `The job did not finish within ${Math.round(settings.timeoutMs / 60_000)} minutes.`,
        });
      }
      // Another instance (or a DELETE) may have ended the job meanwhile: stop paying for its polls.
      if (Date.now() - lastRecheck >= STATE_RECHECK_MS) {
        lastRecheck = Date.now();
        const current = await store.statusOf(job.id);
        if (!current || TERMINAL_STATUSES.includes(current)) return;
      }
      if (statusCalls >= settings.maxStatusCalls && !outputsReady) {
        return fail({
          code: 'upstream_timeout',
          message: `The upstream had not finished after ${statusCalls} status checks.`,
        });
      }
      nextDelay = this.pollDelay(task, job, attempt);
      let status: OperationStatus;
      try {
        statusCalls++;
        status = await operationStatus(provider, operation, job.request, ctx);
        consecutiveErrors = 0;
      } catch (err) {
        if (signal.aborted) return;
        // The upstream answered that this task cannot go on (gone, refused), or refused the key the
        // task belongs to (tasks are polled with the key that created them): asking again cannot help.
        if (err instanceof UpstreamError && (err.failure === 'rejected' || err.failure === 'key_rejected'))
          return fail(err.normalised);
        consecutiveErrors++;
        log.warn({ err: loggableError(err), jobId: job.id, consecutiveErrors }, 'status call failed; will retry');
        if (consecutiveErrors >= MAX_CONSECUTIVE_POLL_ERRORS) {
          const last = err instanceof UpstreamError ? ` The last answer: ${err.normalised.message}` : '';
          return fail({
            code: 'upstream_unreachable',
            message: `${consecutiveErrors} status checks in a row failed.${last}`,
          });
        }
        const hinted = err instanceof UpstreamError ? err.details.retryAfterMs : undefined;
        nextDelay = hinted ?? Math.min(30_000, Math.max(500, nextDelay) * 2 ** (consecutiveErrors - 1));
        continue;
      }

      if (status.state === 'running') {
        // An upstream that takes back a success gets no exemption from the deadline.
        outputsReady = false;
        if (status.retryAfterMs !== undefined) nextDelay = status.retryAfterMs;
        const reported = Math.min(99, Math.max(0, Math.floor(status.progress ?? progress)));
        if (reported > progress) {
          progress = reported;
          events.publish({ type: 'progress', jobId: job.id, progress, at: Date.now() });
          progressWriter.queue({ id: job.id, progress, statusCalls });
        }
        continue;
      }
      if (status.state === 'failed') return fail(status.error);
      outputsReady = true;
      let stored;
      try {
        stored = await finisher.persist(status.outputs);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        if (err.failure === 'rejected') return fail(err.normalised);
        // The task is done and billed: a transient failure is retried (the next status call may
        // also hand out a fresh link) for as long as the settings allow.
        const wait = downloads.failed();
        if (wait === undefined) return fail(err.normalised);
        log.warn(
          { jobId: job.id, code: err.normalised.code, failures: downloads.consecutiveFailures, waitMs: wait },
          'result download failed; will retry',
        );
        nextDelay = wait;
        continue;
      }
      await finisher.finish(job, stored, progress, statusCalls, status.usage);
      return;
    }
  }
}
