import type { OptionalField } from '../../intent/adjustments.js';
import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { pending } from '../completed-operation.js';
import { readOperation } from '../operation.js';
import { statusAnswer, submissionAnswer } from '../upstream-answer.js';
import { UpstreamError, upstreamFailed, upstreamPolicyBlock } from '../errors.js';
import { bearerKeyHeaders } from '../key-headers.js';
import { defaultPollIntervalMs } from '../polling.js';
import { readFirstReference, type ReferenceImage } from '../reference-data.js';
import type {
  BatchedTask,
  OperationRef,
  OperationStatus,
  Provider,
  ProviderContext,
  ProviderOutput,
  StartResult,
  SubmissionHint,
} from '../types.js';
import { adaptToVideos } from './adapt.js';
import { describeVideosError, taskFailure } from './errors.js';
import { CLOCK_SKEW_S, createdAt, findInList, listedId, listPath, readListPage } from './find-submitted.js';
import type { VideosOptions } from './options.js';
import { createFields, createForm, createJson, fitReference } from './request.js';
import { readVideoTask, type VideoTask, videoAnswerSchema, videoCreatedSchema } from './response.js';

/**
 * A list page (100 tasks, ~40 kB) costs the gateway the reading of about this many single status
 * answers: a further page is read only while the tasks still missing would cost more than that.
 */
const SINGLE_READS_PER_PAGE = 4;

/** What is persisted for a created task: its id and what was asked for (no secrets, no media). */
const videoOperationSchema = z.object({
  id: z.string().min(1),
  seconds: z.number(),
  width: z.number(),
  height: z.number(),
});
type VideoOperation = z.infer<typeof videoOperationSchema>;

const sameOrigin = (a: string, b: string) => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
};

/**
 * The OpenAI-compatible `/v1/videos` protocol: create (multipart with `input_reference` as a file,
 * or JSON), poll `GET /videos/{id}`, download `GET /videos/{id}/content` with the channel's key.
 * Resellers' variants (see index.ts) are options; their answers are read defensively.
 */
export class OpenAiVideosProvider implements Provider {
  readonly protocol = 'openai-videos';
  readonly label: string;
  readonly idempotentStart = false;
  readonly describeError = describeVideosError;

  constructor(private readonly options: VideosOptions) {
    this.label = options.label;
  }

  readonly authHeaders = bearerKeyHeaders;

  /** The Videos API takes prompt, model, seconds, size and a reference: none of these. */
  reads(): readonly OptionalField[] {
    return [];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToVideos(req, upstreamModel, this.options);
  }

  /** The create fields as `start` sends them; `findSubmitted` matches tasks against the same values. */
  private planned(req: GenerationRequest, ctx: ProviderContext) {
    const seconds =
      req.seconds ?? ('allowed' in this.options.seconds ? this.options.seconds.allowed[0] : this.options.seconds.min);
    return { req, seconds, fields: createFields(req, ctx.upstreamModel, seconds, this.options) };
  }

  async start(request: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const { req, seconds, fields } = this.planned(request, ctx);
    const reference = await this.reference(req, ctx);
    const call =
      this.options.requestFormat === 'json'
        ? { path: 'videos', json: createJson(fields, reference) }
        : { path: 'videos', form: createForm(fields, reference) };
    const reply = await ctx.http.json({ ...call, signal: ctx.signal });
    // A 2xx without an id may still have started a (billed) task: never resubmit on it.
    const task = submissionAnswer(
      videoCreatedSchema,
      reply.body,
      `${this.label} accepted the video request but returned no task id.`,
    );
    if (task.status === 'failed' || task.status === 'moderated') {
      // Refused on the spot (some resellers answer 200 with a failed task): the request's fault.
      const failure = taskFailure(this.label, task.error, 0);
      if (failure.code === 'content_policy_violation')
        throw upstreamPolicyBlock(
          'prompt',
          failure.category ?? 'upstream_moderation',
          failure.message,
          task.error?.code,
        );
      throw new UpstreamError('rejected', failure);
    }
    const operation: VideoOperation = { id: task.id, seconds, width: req.width, height: req.height };
    return pending({ ...operation });
  }

  /** The task list, newest first, matched on what was sent (see find-submitted.ts). */
  async findSubmitted(request: GenerationRequest, ctx: ProviderContext, hint: SubmissionHint): Promise<OperationRef[]> {
    const { req, seconds, fields } = this.planned(request, ctx);
    const sent = { model: ctx.upstreamModel, prompt: String(fields.prompt), size: String(fields.size), seconds };
    const listPage = async (after?: string) => {
      try {
        return readListPage((await ctx.http.json({ path: listPath(after), signal: ctx.signal })).body, this.label);
      } catch (err) {
        // No list here (many resellers copy only create and retrieve), or a key restricted to
        // creating: asking again cannot help.
        const status = err instanceof UpstreamError ? err.details.status : undefined;
        if (status === 404 || status === 405)
          throw new UpstreamError(
            'rejected',
            { code: 'upstream_not_found', message: `${this.label} has no task list to look in` },
            { status },
          );
        if (status === 401 || status === 403)
          throw new UpstreamError(
            'rejected',
            {
              code: 'upstream_auth_failed',
              message: `${this.label} did not let this key read its task list (HTTP ${status})`,
            },
            { status },
          );
        throw err;
      }
    };
    const ids = await findInList(listPage, sent, hint.submittedAt, this.label);
    // Built exactly as `start` builds it, so the engine can tell a task another job holds.
    return ids.map((id) => {
      const operation: VideoOperation = { id, seconds, width: req.width, height: req.height };
      return { ...operation };
    });
  }

  async status(operation: OperationRef, _req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const op = readOperation(videoOperationSchema, operation, this.label);
    let body: unknown;
    try {
      body = (await ctx.http.json({ path: `videos/${encodeURIComponent(op.id)}`, signal: ctx.signal })).body;
    } catch (err) {
      if (err instanceof UpstreamError && err.details.status === 404) {
        throw new UpstreamError('rejected', this.notFound(op), err.details);
      }
      throw err;
    }
    return this.readStatus(readVideoTask(statusAnswer(videoAnswerSchema, body, this.label)), op, ctx);
  }

  /**
   * Many tasks' status from the task list (newest first), paged until every task is found, the
   * pages reach back past the oldest submission, or a further page would cost more than reading
   * the tasks still missing one by one. Errors (no list at this reseller) go to the engine, which
   * then reads each task with `status`.
   */
  async statusMany(tasks: readonly BatchedTask[], ctx: ProviderContext): Promise<Map<number, OperationStatus>> {
    // Ids read without the schema: thousands of tasks are listed, few show up on the pages read.
    const idOf = (t: BatchedTask) => String(t.operation.id);
    const listed = new Map<string, number[]>();
    for (const [i, t] of tasks.entries()) listed.set(idOf(t), [...(listed.get(idOf(t)) ?? []), i]);
    const missing = new Set(tasks.filter((t) => t.wanted).map(idOf));
    const since =
      tasks.reduce((min, t) => (t.wanted ? Math.min(min, t.submittedAt) : min), Number.POSITIVE_INFINITY) / 1000 -
      CLOCK_SKEW_S;
    const found = new Map<number, OperationStatus>();
    let after: string | undefined;
    for (let calls = 0; missing.size > calls * SINGLE_READS_PER_PAGE; calls++) {
      const page = readListPage((await ctx.http.json({ path: listPath(after), signal: ctx.signal })).body, this.label);
      let reachedBefore = false;
      for (const item of page.items) {
        const created = createdAt(item);
        if (created !== undefined && created < since) reachedBefore = true;
        const id = listedId(item);
        const indices = id === undefined ? undefined : listed.get(id);
        if (!indices || id === undefined) continue;
        let task: VideoTask;
        try {
          task = readVideoTask(statusAnswer(videoAnswerSchema, item, this.label));
        } catch {
          continue; // An entry that does not read is left to a single read.
        }
        for (const i of indices)
          found.set(i, this.readStatus(task, readOperation(videoOperationSchema, tasks[i].operation, this.label), ctx));
        listed.delete(id);
        missing.delete(id);
      }
      if (reachedBefore || !page.hasMore || !page.lastId) break;
      after = page.lastId;
    }
    return found;
  }

  private readStatus(task: VideoTask, op: VideoOperation, ctx: ProviderContext): OperationStatus {
    switch (task.status) {
      case 'succeeded':
        if (task.expiresAt !== undefined && task.expiresAt * 1000 < Date.now())
          return { state: 'failed', error: this.expired() };
        return { state: 'succeeded', outputs: [this.output(task, op, ctx)] };
      case 'failed':
        return { state: 'failed', error: taskFailure(this.label, task.error, task.progress) };
      case 'moderated':
        return {
          state: 'failed',
          error: taskFailure(this.label, { message: 'blocked by moderation', ...task.error }, task.progress),
        };
      case 'cancelled':
        return {
          state: 'failed',
          error: upstreamFailed('upstream_task_cancelled', `${this.label} cancelled the video task ${op.id}.`),
        };
      case 'expired':
        return { state: 'failed', error: this.expired() };
      case 'not_found':
        return { state: 'failed', error: this.notFound(op) };
      default:
        // `queued`, `in_progress`, `processing`, new-api's `unknown`, or a word nobody documented.
        // A body that already carries an error or a link is read as what it says, not left running.
        if (task.error?.message && task.status === 'unknown')
          return { state: 'failed', error: taskFailure(this.label, task.error, task.progress) };
        if (task.url && task.status === 'unknown') return { state: 'succeeded', outputs: [this.output(task, op, ctx)] };
        return { state: 'running', ...(task.progress !== undefined && { progress: task.progress }) };
    }
  }

  /**
   * A link in the body is fetched as given (with the key only when it is on the channel's own host,
   * so a key never travels to a third-party CDN); otherwise `/content` with the key.
   */
  private output(task: VideoTask, op: VideoOperation, ctx: ProviderContext): ProviderOutput {
    const content = ctx.http.url(`videos/${encodeURIComponent(op.id)}/content`);
    const url = this.options.resultFrom === 'auto' && task.url ? task.url : content;
    const withKey = sameOrigin(url, ctx.http.baseUrl);
    return {
      kind: 'video',
      contentType: 'video/mp4',
      source: {
        type: 'url',
        url,
        ...(withKey && { headers: { ...ctx.http.authHeaders, accept: 'application/binary' } }),
      },
      width: task.width ?? op.width,
      height: task.height ?? op.height,
      seconds: task.seconds ?? op.seconds,
    };
  }

  private expired() {
    return upstreamFailed(
      'result_expired',
      `${this.label}: the finished video has expired upstream and can no longer be downloaded.`,
    );
  }

  private notFound(op: VideoOperation) {
    return upstreamFailed(
      'upstream_task_not_found',
      `${this.label} no longer knows the video task ${op.id}; it may have expired or been deleted.`,
    );
  }

  private async reference(req: GenerationRequest, ctx: ProviderContext): Promise<ReferenceImage | undefined> {
    const ref = await readFirstReference(ctx, req.references);
    if (!ref) return undefined;
    return this.options.fitReference ? fitReference(ref, req.width, req.height) : ref;
  }

  pollIntervalMs(attempt: number): number {
    return defaultPollIntervalMs(attempt);
  }
}
