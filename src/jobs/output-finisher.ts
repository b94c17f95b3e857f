import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { Moderator } from '../moderation/types.js';
import type { ProviderOutput, UpstreamUsage } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import { conformImageFormat } from './conform-format.js';
import type { JobEvents } from './events.js';
import { internalError, type JobSettler } from './job-settler.js';
import { persistOutputs } from './persist-outputs.js';
import type { JobRecord, JobResult, JobStore } from './types.js';
import { TERMINAL_STATUSES } from './types.js';
import { loggableError } from './loggable-error.js';

export interface OutputFinisherDeps {
  store: JobStore;
  media: MediaStore;
  events: JobEvents;
  settings: Config['jobs'];
  log: FastifyBaseLogger;
  moderator: Moderator;
  settler: JobSettler;
  /** True once the runner is shutting down: a review that fails then is left for the next instance. */
  stopping(): boolean;
}

/** Progress shown while the results are being reviewed: a blocked result fails after passing 90 %. */
const REVIEW_PROGRESS = 95;

/** Takes a finished task's outputs to the job's end: stored, in the format asked for, reviewed, settled. */
export class OutputFinisher {
  constructor(private readonly deps: OutputFinisherDeps) {}

  /** Moves the outputs into mediagate's storage; throws UpstreamError when a download fails. */
  persist(outputs: ProviderOutput[]): Promise<JobResult[]> {
    const { media, settings } = this.deps;
    return persistOutputs(outputs, media, { maxBytes: settings.resultMaxBytes, timeoutMs: settings.resultTimeoutMs });
  }

  /** Stored results → the format asked for → stage-3 review → the job's terminal row. */
  async finish(
    job: JobRecord,
    stored: JobResult[],
    progress: number,
    statusCalls: number,
    usage?: UpstreamUsage,
  ): Promise<void> {
    const conformed = await conformImageFormat(stored, job.request, {
      media: this.deps.media,
      warn: (details, message) => this.deps.log.warn({ ...details, jobId: job.id }, message),
    });
    await this.reviewAndFinish(job, conformed.results, progress, statusCalls, usage);
    await this.removeReplaced(job.id, conformed.replaced);
  }

  /** Stage 3: results that fail review are deleted and the job fails, after progress passed 90 %. */
  private async reviewAndFinish(
    job: JobRecord,
    results: JobResult[],
    progress: number,
    statusCalls: number,
    usage?: UpstreamUsage,
  ): Promise<void> {
    const { events, moderator, settler, log } = this.deps;
    if (progress < REVIEW_PROGRESS)
      events.publish({ type: 'progress', jobId: job.id, progress: REVIEW_PROGRESS, at: Date.now() });
    let block;
    try {
      block = await moderator.reviewResults(job, results);
    } catch (err) {
      // Shutting down: the job stays running and the next instance reviews it again.
      if (this.deps.stopping()) return;
      // Unreviewed results are never handed out.
      log.error({ err: loggableError(err), jobId: job.id }, 'output review failed; results withheld');
      await moderator.discardResults?.(job, results);
      await settler.finish(job, {
        status: 'failed',
        error: internalError(
          "The result could not be checked by the gateway's output review, so it was withheld. Please retry.",
        ),
        statusCalls,
      });
      return;
    }
    if (!block) {
      await settler.finish(job, { status: 'succeeded', results, statusCalls, usage });
      return;
    }
    // Deleted before the job is marked failed: a crash in between leaves a job that is resumed and reviewed again, never a withheld file on disk.
    await moderator.discardResults?.(job, results);
    await settler.finish(job, {
      status: 'failed',
      error: {
        code: 'content_policy_violation',
        message: block.message,
        stage: block.stage,
        category: block.category,
        ...(block.scores && { scores: block.scores }),
      },
      statusCalls,
    });
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
}
