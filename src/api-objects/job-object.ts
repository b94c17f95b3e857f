import { adjustmentLines } from '../intent/adjustment-text.js';
import type { JobRecord } from '../jobs/types.js';

/** The public view of a job: what was asked, where it stands, and links to its results. */
export function toJobObject(job: JobRecord, mediaUrl: (key: string) => string) {
  return {
    id: job.id,
    object: 'generation.job' as const,
    model: job.model,
    kind: job.kind,
    status: job.status,
    progress: job.status === 'succeeded' ? 100 : job.progress,
    prompt: job.request.prompt,
    size: `${job.request.width}x${job.request.height}`,
    aspect_ratio: job.request.aspectRatio,
    seconds: job.request.seconds ?? null,
    n: job.request.n,
    adjustments: adjustmentLines(job.request),
    results: job.results.map((r) => ({
      url: mediaUrl(r.key),
      content_type: r.contentType,
      bytes: r.bytes,
      width: r.width ?? null,
      height: r.height ?? null,
      seconds: r.seconds ?? null,
    })),
    error: job.error
      ? {
          code: job.error.code,
          message: job.error.message,
          stage: job.error.stage ?? null,
          category: job.error.category ?? null,
        }
      : null,
    upstream: {
      channel: job.channel,
      submit_attempts: job.submitAttempts,
      status_calls: job.statusCalls,
      usage: job.usage && { ...job.usage },
    },
    created_at: Math.floor(job.createdAt / 1000),
    completed_at: job.completedAt === null ? null : Math.floor(job.completedAt / 1000),
  };
}
