import { z } from 'zod';
import { lenient } from '../upstream-answer.js';
import { UpstreamError, upstreamFailed, upstreamModerated } from '../errors.js';
import { normaliseStatus } from '../status-words.js';
import type { NormalisedError, OperationStatus } from '../types.js';
import type { KlingEndpoint } from './request.js';

const LABEL = 'Kling';

/** What `start` keeps about a Kling task: where to poll it and what was asked, nothing secret. */
export const klingOperationSchema = z.object({
  id: z.string().min(1),
  /** The poll path must match the create endpoint. */
  endpoint: z.enum(['text2video', 'image2video'] satisfies KlingEndpoint[]),
  seconds: z.number(),
  withReference: z.boolean(),
});
export type KlingOperation = z.infer<typeof klingOperationSchema>;

const klingVideoSchema = z
  .object({ id: z.unknown().optional(), url: z.unknown().optional(), duration: z.unknown().optional() })
  .catch({ id: undefined, url: undefined, duration: undefined });

/** Kling's `{code, message, data}` envelope, for a create, a poll and a lookup alike; anything but an object is not one. */
export const klingEnvelopeSchema = z.object({
  code: z.unknown().optional(),
  message: z.unknown().optional(),
  data: lenient(
    z
      .object({
        task_id: z.unknown().optional(),
        task_status: z.unknown().optional(),
        task_status_msg: z.unknown().optional(),
        task_info: lenient(z.object({ external_task_id: z.unknown().optional() }).nullable()),
        task_result: lenient(z.object({ videos: lenient(z.array(klingVideoSchema)) }).nullable()),
      })
      .nullable(),
  ),
});
export type KlingEnvelope = z.infer<typeof klingEnvelopeSchema>;

/** A 2xx envelope whose `code` is not 0 is an error all the same. */
function envelopeError(body: KlingEnvelope | null): string | undefined {
  const code = body?.code;
  if (code === undefined || code === 0 || code === '0') return undefined;
  return `${LABEL} answered code ${String(code)}${typeof body?.message === 'string' ? `: ${body.message}` : ''}`;
}

/** The task id of a create answer; a 2xx without one may still be a task Kling is running (and billing). */
export function readCreateAnswer(body: KlingEnvelope | null): string {
  const error = envelopeError(body);
  if (error) throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: `${error}.` });
  const id = body?.data?.task_id;
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw new UpstreamError('ambiguous', {
      code: 'upstream_bad_response',
      message: `${LABEL} accepted the request but returned no task id.`,
    });
  }
  return String(id);
}

/**
 * The task id in the answer to a query by `external_task_id`. An answer about another task (one
 * that does not echo our reference) is not taken as ours; asking again would not change it.
 */
export function readFoundTask(body: KlingEnvelope | null, externalTaskId: string): string {
  const error = envelopeError(body);
  if (error) throw new UpstreamError('not_accepted', { code: 'upstream_bad_response', message: `${error}.` });
  const id = body?.data?.task_id;
  const echoed = body?.data?.task_info?.external_task_id;
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw new UpstreamError('not_accepted', {
      code: 'upstream_bad_response',
      message: `${LABEL} answered the lookup without a task id.`,
    });
  }
  if (echoed !== undefined && echoed !== externalTaskId) {
    throw new UpstreamError('rejected', {
      code: 'upstream_bad_response',
      message: `${LABEL} answered the lookup of ${externalTaskId} with task ${String(id)} of another reference`,
    });
  }
  return String(id);
}

export const taskNotFound = (id: string): NormalisedError =>
  upstreamFailed(
    'upstream_task_not_found',
    `${LABEL} no longer knows task ${id} (it may have expired or been created with another key).`,
  );

/** Risk-control wording in `task_status_msg`: a moderation outcome, not a failure of the service. */
const POLICY_WORDS = /risk|security|sensitive|inappropriate|moderat|violat|policy/i;

function failure(message: string): NormalisedError {
  const text = message || 'no reason given';
  if (!POLICY_WORDS.test(text))
    return upstreamFailed('upstream_error', `${LABEL} reported that the generation failed: ${text}`);
  // Kling does not say which part tripped its risk control; an input check would have refused the
  // create call (code 1301), so a task that fails later is read as a blocked result.
  return upstreamModerated('output', 'upstream_moderation', `${LABEL} content review blocked the video: ${text}`);
}

/** One poll answer as a job state. Kling reports no progress, only the four states. */
export function readTask(body: KlingEnvelope | null, op: KlingOperation): OperationStatus {
  const error = envelopeError(body);
  if (error) return { state: 'failed', error: upstreamFailed('upstream_error', `${error}.`) };
  const data = body?.data;
  if (!data || typeof data !== 'object')
    return {
      state: 'failed',
      error: upstreamFailed('upstream_bad_response', `${LABEL} answered the status check without task data.`),
    };
  const message = typeof data?.task_status_msg === 'string' ? data.task_status_msg.trim() : '';
  switch (normaliseStatus(data?.task_status)) {
    case 'queued':
    case 'running':
    case 'unknown':
      return { state: 'running' };
    case 'succeeded': {
      const video = data?.task_result?.videos?.find((v) => typeof v?.url === 'string' && /^https?:\/\//i.test(v.url));
      if (!video)
        return {
          state: 'failed',
          error: upstreamFailed('upstream_bad_response', `${LABEL} reported the task done but gave no video link.`),
        };
      const seconds = Number(video.duration);
      return {
        state: 'succeeded',
        outputs: [
          {
            kind: 'video',
            contentType: 'video/mp4',
            source: { type: 'url', url: video.url as string },
            seconds: Number.isFinite(seconds) && seconds > 0 ? seconds : op.seconds,
          },
        ],
      };
    }
    case 'failed':
      return { state: 'failed', error: failure(message) };
    case 'moderated':
      return {
        state: 'failed',
        error: upstreamModerated(
          'output',
          'upstream_moderation',
          `${LABEL} content review blocked the video${message ? `: ${message}` : '.'}`,
        ),
      };
    case 'not_found':
      return { state: 'failed', error: taskNotFound(op.id) };
    case 'expired':
      return {
        state: 'failed',
        error: upstreamFailed('upstream_task_expired', `${LABEL} task ${op.id} expired before it finished.`),
      };
    case 'cancelled':
      return { state: 'failed', error: upstreamFailed('upstream_cancelled', `${LABEL} task ${op.id} was cancelled.`) };
  }
}
