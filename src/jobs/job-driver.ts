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
import { adaptivePollDelay } from './adaptive-poll.js';
import { PollScheduler } from './poll-scheduler.js';
import { StatusBatcher } from './status-batcher.js';
import { StatusPacer } from './status-pacer.js';
import { TaskDurations } from './task-durations.js';
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
  /** Shared by every job this process polls; tests pass their own (a fake clock). */
  scheduler?: PollScheduler;
}

/** Consecutive failed status calls after which a job is given up on. */
const MAX_CONSECUTIVE_POLL_ERRORS = 10;
/** How often a polled job's status is read again, to notice a cancel made elsewhere. */
const STATE_RECHECK_MS = 30_000;
/**
 * Polls of a channel read through its task list come due on this grid, so the jobs due within one
 * step wake together and share one list read (a finish is noticed up to this much later).
 */
const BATCH_STEP_MS = 500;
/** Progress heard from list reads made for other jobs is taken at most this often (each is a chunk on every stream). */
const LISTED_PROGRESS_EVERY_MS = 2_000;

/**
 * A synchronous upstream finished inside `start`: its outputs are already in hand (and paid for).
 * The one place the engine reads the "completed operation" convention.
 */
const finishedAtStart = (operation: OperationRef): boolean => completedStatus(operation) !== undefined;

/** Drives one job this instance holds: hands it to the submitter, then polls its task to the end. */
export class JobDriver {
  private readonly scheduler: PollScheduler;
  private readonly pacer = new StatusPacer();
  private readonly batcher: StatusBatcher;
  private readonly durations = new TaskDurations();

  constructor(private readonly deps: JobDriverDeps) {
    this.scheduler = deps.scheduler ?? new PollScheduler();
    this.batcher = new StatusBatcher({ log: deps.log });
  }

  async drive(job: JobRecord, signal: AbortSignal): Promise<void> {
    const failure = await this.deps.submitter.run(job, signal, (task) =>
      this.poll({ ...job, request: task.request }, task, signal),
    );
    if (failure) await this.deps.settler.finish(job, { status: 'failed', error: failure });
  }

  /**
   * A steady interval when the channel (or, for tests and benchmarks, the gateway) sets one;
   * otherwise the provider's schedule, adapted to when tasks of this kind usually end.
   */
  private pollDelay(
    task: SubmittedTask,
    job: JobRecord,
    attempt: number,
    elapsedMs: number,
    progress?: number,
  ): number {
    const { route } = task;
    const scheduled = route.channel.provider.pollIntervalMs(attempt, job.request);
    const steady = route.channel.settings.pollIntervalMs ?? this.deps.settings.pollIntervalMs;
    if (scheduled === 0) return 0;
    if (steady !== undefined) return steady;
    const expected = this.durations.expected(durationKind(task));
    return adaptivePollDelay({
      elapsedMs,
      scheduledMs: scheduled,
      ...(expected && { expected }),
      ...(progress !== undefined && { progress }),
    });
  }

  /**
   * Waits `ms` on the shared scheduler. Polls read through a task list come due on a grid so they
   * share list reads; others book a slot of the channel's status-call rate.
   */
  private wait(ms: number, task: SubmittedTask, signal: AbortSignal): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    const { channel } = task.route;
    const now = Date.now();
    let due = now + ms;
    if (this.batcher.batches(batchGroup(task), channel.provider)) due = Math.ceil(due / BATCH_STEP_MS) * BATCH_STEP_MS;
    else due = this.pacer.book(channel.name, due, channel.settings.statusCallsPerSecond);
    return this.scheduler.wait(due - now, signal);
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
    // Fresh jobs are polled right after their submission; a resumed one carries its submission time.
    const submittedAt = job.submittedAt ?? Date.now();
    /** When a status call last saw the task running: with the call that sees it done, brackets its end. */
    let lastRunningAt: number | undefined;
    let reportedProgress: number | undefined;
    // Outputs in hand (and paid for) are collected even past the deadline or the status-call cap.
    let outputsReady = finishedAtStart(operation);
    let nextDelay = outputsReady ? 0 : this.pollDelay(task, job, 0, 0);
    let progressShownAt = 0;
    const showProgress = (reported: number) => {
      const value = Math.min(99, Math.max(0, Math.floor(reported)));
      if (value <= progress) return;
      progress = value;
      progressShownAt = Date.now();
      events.publish({ type: 'progress', jobId: job.id, progress, at: Date.now() });
      progressWriter.queue({ id: job.id, progress, statusCalls });
    };
    const listedTask = { operation, request: job.request, submittedAt };
    // Progress seen on list pages read for other jobs reaches this job's stream without a call of its own.
    const unwatch = !provider.statusMany
      ? () => {}
      : this.batcher.watch(
          batchGroup(task),
          job.id,
          listedTask,
          (status) => {
            if (status.state === 'running' && status.progress !== undefined && !signal.aborted)
              showProgress(status.progress);
          },
          () => !outputsReady && Date.now() - progressShownAt >= LISTED_PROGRESS_EVERY_MS,
        );
    const fail = (error: NormalisedError) => settler.finish(job, { status: 'failed', error, statusCalls });

    const loop = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        await this.wait(nextDelay, task, signal);
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
        const callAt = Date.now();
        nextDelay = this.pollDelay(task, job, attempt, callAt - submittedAt, reportedProgress);
        let status: OperationStatus;
        try {
          statusCalls++;
          status = outputsReady
            ? await operationStatus(provider, operation, job.request, ctx)
            : await this.batcher.status(batchGroup(task), job.id, provider, listedTask, ctx);
          // A batched read does not end with this job's abort (cancel, stop, lease lost): its answer is not this drive's to act on.
          if (signal.aborted) return;
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
          lastRunningAt = callAt;
          if (status.progress !== undefined) {
            reportedProgress = status.progress;
            nextDelay = this.pollDelay(task, job, attempt, Date.now() - submittedAt, reportedProgress);
          }
          if (status.retryAfterMs !== undefined) nextDelay = status.retryAfterMs;
          if (status.progress !== undefined) showProgress(status.progress);
          continue;
        }
        if (status.state === 'failed') return fail(status.error);
        if (!outputsReady && lastRunningAt !== undefined)
          this.durations.record(durationKind(task), (lastRunningAt + callAt) / 2 - submittedAt);
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
    };
    try {
      await loop();
    } finally {
      unwatch();
    }
  }
}

/** Tasks of one channel and upstream model take alike long. */
const durationKind = (task: SubmittedTask) => `${task.route.channel.name}\u0000${task.route.upstreamModel}`;
/** A task list shows one account's tasks: the channel and the key's fingerprint (never the key). */
const batchGroup = (task: SubmittedTask) => `${task.route.channel.name}/${task.key.id}`;
