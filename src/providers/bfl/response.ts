import { z } from 'zod';
import { lenient, submissionAnswer } from '../upstream-answer.js';
import { upstreamFailed, upstreamModerated } from '../errors.js';
import { normaliseStatus } from '../status-words.js';
import type { NormalisedError, OperationStatus } from '../types.js';

/** What `start` keeps about a BFL task: enough to poll it and describe its result, nothing secret. */
export const bflOperationSchema = z.object({
  id: z.string().min(1),
  /** The `polling_url` BFL returned (absolute, regional), or '' when it gave none. */
  pollingUrl: z.string(),
  model: z.string(),
  format: z.string(),
  width: z.number(),
  height: z.number(),
  /** A reference image was sent, which decides the stage of a `Request Moderated` block. */
  withReference: z.boolean(),
});
export type BflOperation = z.infer<typeof bflOperationSchema>;

/** The answer to a submission: the task id, and where to poll it. */
export const bflSubmittedSchema = z.object({ id: z.string().trim().min(1), polling_url: lenient(z.string()) });

/** A `get_result` answer; anything but an object is not one. */
export const bflResultSchema = z.object({
  id: lenient(z.string()),
  status: lenient(z.string()),
  result: lenient(z.object({ sample: lenient(z.string()) }).nullable()),
  progress: lenient(z.number().nullable()),
  details: lenient(z.record(z.string(), z.unknown()).nullable()),
});
export type BflResult = z.infer<typeof bflResultSchema>;

const LABEL = 'Black Forest Labs';

/** The task id of a submit answer; a 2xx without one may still be a task BFL is running (and billing). */
export function readSubmitAnswer(body: unknown): { id: string; pollingUrl: string } {
  const { id, polling_url } = submissionAnswer(
    bflSubmittedSchema,
    body,
    `${LABEL} accepted the request but returned no task id.`,
  );
  return { id, pollingUrl: polling_url ?? '' };
}

/** `details["Moderation Reasons"]` (a list of strings) as text for the user. */
function moderationReasons(details: BflResult['details']): string {
  const reasons = details?.['Moderation Reasons'];
  const list = Array.isArray(reasons)
    ? reasons.filter((r): r is string => typeof r === 'string' && r.trim() !== '')
    : [];
  return list.length > 0 ? ` Reasons: ${list.join(', ')}.` : '';
}

/** Anything else BFL put in `details` for a failed task, briefly. */
function errorDetail(details: BflResult['details']): string {
  if (!details) return '';
  const text = ['error', 'message', 'reason'].map((k) => details[k]).find((v) => typeof v === 'string' && v.trim());
  return text ? `: ${(text as string).trim().slice(0, 300)}` : '';
}

/**
 * Progress is a number or null. Its scale is not documented: values up to 1 are read as a
 * fraction, larger ones as a percentage.
 */
function progressPercent(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(100, value <= 1 ? value * 100 : value);
}

function running(body: BflResult | null): OperationStatus {
  const progress = progressPercent(body?.progress);
  return progress === undefined ? { state: 'running' } : { state: 'running', progress };
}

export const taskNotFound = (id: string): NormalisedError =>
  upstreamFailed(
    'upstream_task_not_found',
    `${LABEL} no longer knows task ${id} (it may have expired or been submitted with another key).`,
  );

/**
 * One `get_result` answer as a job state. `Request Moderated` means BFL refused the input: it is
 * reported against the reference image when one was sent (BFL does not say whether the prompt or
 * the image tripped it, and the prompt has already passed our own review), else against the
 * prompt. `Content Moderated` is the output.
 */
export function readResult(body: BflResult | null, op: BflOperation): OperationStatus {
  const status = typeof body?.status === 'string' ? body.status : '';
  switch (status) {
    case 'Ready': {
      const sample = body?.result?.sample;
      if (typeof sample !== 'string' || !/^https?:\/\//i.test(sample)) {
        return {
          state: 'failed',
          error: upstreamFailed('upstream_bad_response', `${LABEL} reported the task ready but gave no image link.`),
        };
      }
      // The signed link expires in ten minutes: the engine downloads it as soon as it sees it,
      // and without our x-key (the link carries its own signature; the key must not leave BFL).
      const contentType = `image/${op.format}`;
      return {
        state: 'succeeded',
        outputs: [
          { kind: 'image', contentType, source: { type: 'url', url: sample }, width: op.width, height: op.height },
        ],
      };
    }
    case 'Pending':
      return running(body);
    case 'Request Moderated': {
      const stage = op.withReference ? 'input_image' : 'prompt';
      const what = op.withReference ? 'the request (prompt or reference image)' : 'the prompt';
      return {
        state: 'failed',
        error: upstreamModerated(
          stage,
          'upstream_moderation',
          `${LABEL} moderation refused ${what}.${moderationReasons(body?.details)}`,
        ),
      };
    }
    case 'Content Moderated':
      return {
        state: 'failed',
        error: upstreamModerated(
          'output',
          'upstream_moderation',
          `${LABEL} moderation blocked the generated image.${moderationReasons(body?.details)}`,
        ),
      };
    case 'Task not found':
      return { state: 'failed', error: taskNotFound(op.id) };
    case 'Error':
      return {
        state: 'failed',
        error: upstreamFailed(
          'upstream_error',
          `${LABEL} reported that the generation failed${errorDetail(body?.details)}.`,
        ),
      };
  }
  return readOtherStatus(status, body, op);
}

/** A word outside BFL's documented six: terminal spellings end the job, anything else keeps polling. */
function readOtherStatus(status: string, body: BflResult | null, op: BflOperation): OperationStatus {
  switch (normaliseStatus(status)) {
    case 'queued':
    case 'running':
    case 'unknown':
      return running(body);
    case 'succeeded':
      return readResult({ ...body, status: 'Ready' }, op);
    case 'not_found':
      return { state: 'failed', error: taskNotFound(op.id) };
    case 'moderated':
      return {
        state: 'failed',
        error: upstreamModerated(
          'output',
          'upstream_moderation',
          `${LABEL} moderation blocked the task (${status}).${moderationReasons(body?.details)}`,
        ),
      };
    case 'expired':
      return {
        state: 'failed',
        error: upstreamFailed('upstream_task_expired', `${LABEL} task ${op.id} expired before it finished.`),
      };
    case 'cancelled':
      return { state: 'failed', error: upstreamFailed('upstream_cancelled', `${LABEL} task ${op.id} was cancelled.`) };
    case 'failed':
      return {
        state: 'failed',
        error: upstreamFailed(
          'upstream_error',
          `${LABEL} reported that the generation failed (${status})${errorDetail(body?.details)}.`,
        ),
      };
  }
}
