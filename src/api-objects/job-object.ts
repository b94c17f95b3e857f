import { adjustmentLines } from '../intent/adjustment-text.js';
import { TERMINAL_STATUSES, type JobRecord } from '../jobs/types.js';

/**
 * What a job was charged, once it has ended: `cost` in credits (0 when nothing was delivered),
 * `billed_units` (images, or seconds of video) and their `unit`. All null while the job runs, and
 * on jobs from before accounts existed (nothing was reserved for them).
 */
export function jobCharge(job: JobRecord) {
  const ended = TERMINAL_STATUSES.includes(job.status);
  return {
    cost: ended ? (job.cost ?? null) : null,
    billed_units: ended ? (job.billedUnits ?? null) : null,
    unit: job.quote?.unit ?? (job.kind === 'video' ? ('second' as const) : ('image' as const)),
  };
}

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
    // Our stored copy of each reference, and where it came from (null on jobs from before sources were recorded).
    references: job.request.references.map((r) => ({
      url: mediaUrl(r.key),
      source: r.source ?? null,
      width: r.width,
      height: r.height,
      content_type: r.contentType,
    })),
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
    // The instance running the job now, or the one that ran it last: after a takeover or a stop
    // this names where it went, and once the job ended it still says where to look in the logs.
    instance: job.instance ?? null,
    ...jobCharge(job),
    created_at: Math.floor(job.createdAt / 1000),
    completed_at: job.completedAt === null ? null : Math.floor(job.completedAt / 1000),
  };
}
