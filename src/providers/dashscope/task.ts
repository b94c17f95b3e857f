import { z } from 'zod';
import { UpstreamError, upstreamFailed, upstreamModerated } from '../errors.js';
import { approachingProgress } from '../estimated-progress.js';
import type { UpstreamHttp } from '../http-client.js';
import { normaliseStatus } from '../status-words.js';
import type { NormalisedError, ProviderContext } from '../types.js';
import { lenient, submissionAnswer } from '../upstream-answer.js';
import { DASHSCOPE_LABEL, dashScopeCall, taskFailure } from './errors.js';

/** One entry of qwen-image's `results`: a link or a per-image error; one that is not an object holds neither. */
const taskResultSchema = z
  .object({ url: lenient(z.string()), code: lenient(z.string()), message: lenient(z.string()) })
  .catch({});

/** `output` of a task, as both the create answer and `GET /tasks/{id}` carry it; each field read leniently. */
const taskOutputSchema = z.object({
  task_id: lenient(z.string()),
  task_status: lenient(z.string()),
  code: lenient(z.string()),
  message: lenient(z.string()),
  /** qwen-image: one entry per image. */
  results: lenient(z.array(taskResultSchema)),
  /** Wan: a signed OSS link carrying `Expires=`. */
  video_url: lenient(z.string()),
});

/** A task answer; without an `output` object it says nothing about the task. */
export const taskReplySchema = z.object({
  request_id: lenient(z.string()),
  output: taskOutputSchema,
  usage: lenient(
    z.object({
      image_count: lenient(z.number()),
      video_duration: lenient(z.number()),
      video_count: lenient(z.number()),
    }),
  ),
});
export type TaskReply = z.infer<typeof taskReplySchema>;

/** The answer to a submission: a task id, or the task may exist (and be billed) without us knowing it. */
const submittedSchema = z.object({ output: z.object({ task_id: z.string().min(1) }) });

/** What the persisted operation of an asynchronous flow holds: the task and what we asked for. */
export const taskRefFields = {
  taskId: z.string().min(1),
  /** Unix ms of the submission, for an estimated progress (DashScope reports none). */
  submittedAt: z.number(),
  model: z.string(),
};
export type TaskRef = { flow: 'qwen-image' | 'wan-video'; taskId: string; submittedAt: number; model: string };

export type TaskState =
  | { state: 'running'; progress?: number }
  | { state: 'failed'; error: NormalisedError }
  | { state: 'succeeded'; reply: TaskReply };

/**
 * Full URL of an API path. The channel's base URL should end in `/api/v1`; a bare host (or the chat
 * `compatible-mode/v1` URL an operator may paste) gets the native API root instead.
 */
export function apiUrl(http: UpstreamHttp, path: string): string {
  const base = http.baseUrl.replace(/\/+$/, '');
  const root = /\/api\/v1$/.test(base) ? base : `${base.replace(/\/compatible-mode\/v1$/, '')}/api/v1`;
  return `${root}/${path}`;
}

/** The async endpoints refuse a call without this header ("does not support synchronous calls"). */
export const ASYNC_HEADER = { 'X-DashScope-Async': 'enable' };

/** Creates an asynchronous task and returns its id; a 2xx without one may still have been accepted. */
export async function submitTask(ctx: ProviderContext, path: string, body: unknown): Promise<string> {
  const reply = await dashScopeCall(() =>
    ctx.http.json({
      path: apiUrl(ctx.http, path),
      json: body,
      headers: ASYNC_HEADER,
      signal: ctx.signal,
    }),
  );
  return submissionAnswer(submittedSchema, reply.body, `${DASHSCOPE_LABEL} answered the submission without a task id.`)
    .output.task_id;
}

export async function fetchTask(ctx: ProviderContext, taskId: string): Promise<TaskReply> {
  const reply = await dashScopeCall(() =>
    ctx.http.json({
      path: apiUrl(ctx.http, `tasks/${encodeURIComponent(taskId)}`),
      signal: ctx.signal,
    }),
  );
  const parsed = taskReplySchema.safeParse(reply.body);
  if (!parsed.success) {
    // Not terminal by itself: the runner retries and gives up after several unreadable answers in a row.
    throw new UpstreamError('ambiguous', {
      code: 'upstream_bad_response',
      message: `${DASHSCOPE_LABEL} answered a status check without the task.`,
    });
  }
  return parsed.data;
}

export async function cancelTask(ctx: ProviderContext, taskId: string): Promise<void> {
  // DashScope cancels only tasks still PENDING; a refusal for a running one changes nothing.
  await dashScopeCall(() =>
    ctx.http.json({
      method: 'POST',
      path: apiUrl(ctx.http, `tasks/${encodeURIComponent(taskId)}/cancel`),
      signal: ctx.signal,
    }),
  );
}

/** An estimate rising towards 95 % over about `expectedMs`, since DashScope reports no progress. */
const estimate = (submittedAt: number, expectedMs: number) =>
  Math.round(approachingProgress(Date.now() - submittedAt, expectedMs, 5, 95));

/**
 * DashScope's task states: PENDING, RUNNING, SUSPENDED, SUCCEEDED, FAILED, CANCELED and UNKNOWN,
 * which means the task expired (tasks are kept 24 h) or never existed — terminal, not "still running".
 */
export function taskState(reply: TaskReply, ref: TaskRef, expectedMs: number): TaskState {
  const output = reply.output;
  const word = output.task_status ?? '';
  if (word.trim().toUpperCase() === 'UNKNOWN') return { state: 'failed', error: expired(ref.taskId) };
  switch (normaliseStatus(word)) {
    case 'succeeded':
      return { state: 'succeeded', reply };
    case 'failed':
      return { state: 'failed', error: taskFailure(output.code, output.message) };
    case 'cancelled':
      return {
        state: 'failed',
        error: upstreamFailed('upstream_cancelled', `${DASHSCOPE_LABEL} cancelled task ${ref.taskId}.`),
      };
    case 'expired':
    case 'not_found':
      return { state: 'failed', error: expired(ref.taskId) };
    case 'moderated':
      return {
        state: 'failed',
        error: upstreamModerated(
          'output',
          'upstream_data_inspection',
          `${DASHSCOPE_LABEL}: ${output.message ?? 'the result was blocked by content review.'}`,
        ),
      };
    case 'running':
      return { state: 'running', progress: estimate(ref.submittedAt, expectedMs) };
    default:
      // PENDING / SUSPENDED (queued), or a word we do not know that is not a terminal one.
      return { state: 'running' };
  }
}

const expired = (taskId: string) =>
  upstreamFailed(
    'upstream_task_expired',
    `${DASHSCOPE_LABEL} no longer knows task ${taskId} (status UNKNOWN): it has expired (tasks are kept for 24 hours) or was never created.`,
  );
