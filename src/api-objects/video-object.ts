import { z } from 'zod';
import { adjustmentLines } from '../intent/adjustment-text.js';
import type { JobRecord } from '../jobs/types.js';
import { jobCharge } from './job-object.js';
import { toVideoId } from './video-ids.js';

/** OpenAI's Video object, field for field; also the response schema in /openapi.json. */
export const videoObject = z
  .object({
    id: z.string().describe('`video_…`; the job id with another prefix.'),
    object: z.literal('video'),
    model: z.string(),
    status: z.enum(['queued', 'in_progress', 'completed', 'failed']),
    progress: z.number().int().min(0).max(100),
    created_at: z.number().int().describe('Unix seconds.'),
    completed_at: z.number().int().nullable(),
    expires_at: z.number().int().nullable().describe('Always null: stored videos do not expire until deleted.'),
    size: z.string().describe('`WxH` of the rendered video.'),
    seconds: z.string().describe('Duration in whole seconds, as a string.'),
    prompt: z.string().nullable(),
    remixed_from_video_id: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    adjustments: z
      .array(z.string())
      .describe(
        "mediagate: one line per value changed to what the model makes (seconds, size, n, seed, …), in the prompt's language; empty when nothing was changed.",
      ),
    cost: z
      .number()
      .int()
      .nullable()
      .describe('mediagate: credits charged once the video has ended (0 when nothing was delivered); null before.'),
    billed_units: z.number().nullable().describe('mediagate: seconds of video charged; null before the end.'),
    unit: z.enum(['image', 'second']).describe('mediagate: what `billed_units` counts.'),
  })
  .describe('Video');

export type VideoObject = z.infer<typeof videoObject>;

const STATUS: Record<JobRecord['status'], VideoObject['status']> = {
  queued: 'queued',
  running: 'in_progress',
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'failed',
};

export function toVideoObject(job: JobRecord): VideoObject {
  const result = job.results[0];
  const width = result?.width ?? job.request.width;
  const height = result?.height ?? job.request.height;
  return {
    id: toVideoId(job.id),
    object: 'video',
    model: job.model,
    status: STATUS[job.status],
    progress: job.status === 'succeeded' ? 100 : Math.max(0, Math.min(100, Math.round(job.progress))),
    created_at: Math.floor(job.createdAt / 1000),
    completed_at: job.completedAt === null ? null : Math.floor(job.completedAt / 1000),
    expires_at: null,
    size: `${width}x${height}`,
    // The resolved duration, as OpenAI reports it (a whole number), not the file's measured length.
    seconds: String(job.request.seconds ?? Math.round(result?.seconds ?? 0)),
    prompt: job.request.prompt,
    remixed_from_video_id: job.remixedFrom ? toVideoId(job.remixedFrom) : null,
    error: job.error ? { code: job.error.code, message: job.error.message } : null,
    adjustments: adjustmentLines(job.request),
    ...jobCharge(job),
  };
}
