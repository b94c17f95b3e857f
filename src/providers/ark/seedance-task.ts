import { z } from 'zod';
import { lenient } from '../upstream-answer.js';
import { upstreamFailed } from '../errors.js';
import { normaliseStatus } from '../status-words.js';
import type { OperationStatus } from '../types.js';
import { ARK_LABEL, arkReportedError } from './errors.js';

/** The answer to `POST /contents/generations/tasks`: the created task's id. */
export const seedanceCreatedSchema = z.object({ id: z.string().min(1) });

/** A Seedance task as `GET /contents/generations/tasks/{id}` reports it; anything but an object is not a task. */
export const seedanceTaskSchema = z.object({
  id: lenient(z.string()),
  status: lenient(z.string()),
  // Any error at all marks a task whose status word is unknown as failed; only its code and message are read.
  error: z
    .union([
      z.object({ code: lenient(z.string()), message: lenient(z.string()) }),
      z
        .unknown()
        .refine(Boolean)
        .transform(() => ({})),
    ])
    .nullish()
    .catch(undefined),
  content: lenient(z.object({ video_url: lenient(z.string()), last_frame_url: lenient(z.string()) }).nullable()),
  duration: lenient(z.number()),
  resolution: lenient(z.string()),
  ratio: lenient(z.string()),
});
export type SeedanceTask = z.infer<typeof seedanceTaskSchema>;

/** A number only the progress estimate and the result's description use: a missing one takes a default. */
const described = (fallback: () => number) => z.number().finite().catch(fallback);

/** What the gateway keeps about a Seedance task: its id and what progress and results need. No media, no key. */
export const seedanceOperationSchema = z.object({
  taskId: z.string().min(1),
  /** When it was submitted (unix ms), for the progress estimate. */
  submittedAt: described(() => Date.now()),
  /** How long such a task usually runs, ms. */
  typicalMs: described(() => 60_000),
  seconds: described(() => 5),
  width: described(() => 1280),
  height: described(() => 720),
});
export type SeedanceOperation = z.infer<typeof seedanceOperationSchema>;

/**
 * Ark reports no progress; a running task's progress is estimated from its age against the usual
 * run time (about 20 s plus 8 s per video second at 720p, after ComfyUI's Seedance timings), kept
 * below 95 % so the real end is always the last step.
 */
export const typicalRunMs = (seconds: number, overrideSeconds?: number) => (overrideSeconds ?? 20 + 8 * seconds) * 1000;

function estimatedProgress(op: SeedanceOperation, now: number): number {
  const fraction = Math.min(1, Math.max(0, (now - op.submittedAt) / op.typicalMs));
  return Math.round(5 + 90 * fraction);
}

/** The task's state in the gateway's terms; every terminal spelling ends the job at once. */
export function readSeedanceTask(task: SeedanceTask, op: SeedanceOperation, now = Date.now()): OperationStatus {
  const videoUrl =
    typeof task?.content?.video_url === 'string' && task.content.video_url ? task.content.video_url : undefined;
  let status = normaliseStatus(task?.status);
  // A word we do not know is judged by what came with it, so it can neither hang a job nor lose a result.
  if (status === 'unknown') status = videoUrl ? 'succeeded' : task?.error ? 'failed' : 'unknown';
  switch (status) {
    case 'queued':
      return { state: 'running' };
    case 'running':
    case 'unknown':
      return { state: 'running', progress: estimatedProgress(op, now) };
    case 'succeeded': {
      if (!videoUrl)
        return {
          state: 'failed',
          error: upstreamFailed(
            'upstream_bad_response',
            `${ARK_LABEL} reported the task as finished but gave no video link.`,
          ),
        };
      const seconds = typeof task.duration === 'number' && task.duration > 0 ? task.duration : op.seconds;
      // A signed TOS link: fetched without our key, which must never reach another host.
      return {
        state: 'succeeded',
        outputs: [
          {
            kind: 'video',
            contentType: 'video/mp4',
            source: { type: 'url', url: videoUrl },
            width: op.width,
            height: op.height,
            seconds,
          },
        ],
      };
    }
    case 'moderated':
    case 'failed':
      return { state: 'failed', error: arkReportedError(task?.error, 'The video task failed.') };
    case 'cancelled':
      return {
        state: 'failed',
        error: upstreamFailed('upstream_cancelled', `${ARK_LABEL} cancelled the video task before it finished.`),
      };
    case 'expired':
      return {
        state: 'failed',
        error: upstreamFailed(
          'upstream_expired',
          `${ARK_LABEL} let the video task expire before it ran (it waited too long in the queue).`,
        ),
      };
    case 'not_found':
      return { state: 'failed', error: taskNotFound(op.taskId) };
  }
}

export const taskNotFound = (taskId: string) =>
  upstreamFailed(
    'upstream_task_not_found',
    `${ARK_LABEL} no longer knows the video task ${taskId}; it may have been deleted or expired.`,
  );
