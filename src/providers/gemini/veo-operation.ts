import { z } from 'zod';
import { upstreamFailed, upstreamModerated } from '../errors.js';
import { approachingProgress } from '../estimated-progress.js';
import type { OperationStatus, ProviderContext, ProviderOutput } from '../types.js';
import { lenient } from '../upstream-answer.js';

/** What is persisted for a Veo job: the operation's name and what the video will be (no key, no media). */
export const veoOperationSchema = z.object({
  flow: z.literal('veo'),
  /** `models/{model}/operations/{id}`, polled as `GET {name}`. */
  operation: z.string().min(1),
  submittedAt: z.number(),
  seconds: z.number(),
  width: z.number(),
  height: z.number(),
});
export type VeoOperationRef = z.infer<typeof veoOperationSchema>;

/** A Files-API `uri` that needs the key to download, or the bytes inline as `encodedVideo`. */
const veoVideoSchema = z.object({
  uri: lenient(z.string()),
  encodedVideo: lenient(z.string()),
  encoding: lenient(z.string()),
  mimeType: lenient(z.string()),
});
type VeoVideo = z.infer<typeof veoVideoSchema>;

/** A sample that is not an object holds no video. */
const samplesSchema = lenient(z.array(z.object({ video: lenient(veoVideoSchema) }).catch({})));

const veoResultSchema = z.object({
  generatedSamples: samplesSchema,
  generatedVideos: samplesSchema,
  raiMediaFilteredCount: lenient(z.number()),
  raiMediaFilteredReasons: lenient(z.array(z.unknown())),
});
type VeoResult = z.infer<typeof veoResultSchema>;

/** The operation's `response`: the result, wrapped in `generateVideoResponse` or (SDK style) bare. */
const veoResponseSchema = veoResultSchema.extend({ generateVideoResponse: lenient(veoResultSchema) });

/** The answer to `predictLongRunning`: the operation's name, all that is needed to follow it. */
export const veoCreatedSchema = z.object({ name: z.string().min(1) });

/**
 * A google.longrunning.Operation as the Gemini API returns it for Veo; anything but an object is not
 * one. Its result is read field by field, leniently, since Google has moved it before.
 */
export const veoPollSchema = z.object({
  name: lenient(z.string()),
  done: lenient(z.boolean()),
  // Any error at all ends the operation as failed; its message, status and code describe it when present.
  error: z
    .union([
      z.object({ code: lenient(z.number()), message: lenient(z.string()), status: lenient(z.string()) }),
      z
        .unknown()
        .refine(Boolean)
        .transform(() => ({}) as { code?: number; message?: string; status?: string }),
    ])
    .optional()
    .catch(undefined),
  response: lenient(veoResponseSchema),
});
export type VeoOperation = z.infer<typeof veoPollSchema>;

const LABEL = 'Google Veo';

/**
 * Veo reports no progress at all (an operation is just `done` or not), so this is a synthetic one
 * from elapsed time: 5 % once accepted, then approaching 90 % with a time constant of
 * `expectedSeconds` (about a minute for Veo). It only tells the user the job is alive; it never
 * reaches 100 % on its own.
 */
export function syntheticProgress(elapsedMs: number, expectedSeconds: number): number {
  return Math.min(90, Math.floor(approachingProgress(elapsedMs, expectedSeconds * 1000, 5, 90)));
}

/**
 * Reads one poll answer. Success is `response.generateVideoResponse.generatedSamples[0].video`
 * (also accepted: the SDK's `generatedVideos` and a bare `response.generatedSamples`), holding a
 * Files-API `uri` that needs the key to download, or the bytes inline as `encodedVideo`. A finished
 * operation without a video is a failure, a policy block when Veo says it filtered the media.
 */
export async function readVeoOperation(
  op: VeoOperation,
  ref: VeoOperationRef,
  ctx: ProviderContext,
  expectedSeconds: number,
): Promise<OperationStatus> {
  if (op?.done !== true)
    return { state: 'running', progress: syntheticProgress(Date.now() - ref.submittedAt, expectedSeconds) };
  if (op.error) {
    const detail = op.error.message?.trim() || op.error.status || `error ${op.error.code ?? 'unknown'}`;
    return {
      state: 'failed',
      error: upstreamFailed('upstream_error', `${LABEL} failed to generate the video: ${detail}`),
    };
  }
  const result: VeoResult = op.response?.generateVideoResponse ?? op.response ?? {};
  const samples = result.generatedSamples ?? result.generatedVideos ?? op.response?.generatedVideos ?? [];
  const video = samples.map((s) => s.video).find((v) => v && (v.uri || v.encodedVideo));
  if (video) return { state: 'succeeded', outputs: [await videoOutput(video, ref, ctx)] };

  const reasons = (result.raiMediaFilteredReasons ?? []).filter((r) => typeof r === 'string' && r.trim());
  if (reasons.length > 0 || (result.raiMediaFilteredCount ?? 0) > 0) {
    const why = reasons.length > 0 ? reasons.join(' ') : 'no reason given';
    return {
      state: 'failed',
      error: upstreamModerated('output', 'upstream_safety_filter', `${LABEL} filtered the generated video: ${why}`),
    };
  }
  return {
    state: 'failed',
    error: upstreamFailed('upstream_no_video', `${LABEL} finished the operation without a video.`),
  };
}

async function videoOutput(video: VeoVideo, ref: VeoOperationRef, ctx: ProviderContext): Promise<ProviderOutput> {
  const contentType = video.mimeType ?? video.encoding ?? 'video/mp4';
  const shape = { kind: 'video' as const, contentType, width: ref.width, height: ref.height, seconds: ref.seconds };
  if (video.encodedVideo) {
    return { ...shape, source: await ctx.storeOutput(Buffer.from(video.encodedVideo, 'base64'), contentType) };
  }
  // A Files-API link: downloading it needs the same key, and it redirects to the bytes.
  const url = downloadUrl(video.uri!, ctx);
  return { ...shape, source: { type: 'url', url, ...(keyMayGoTo(url, ctx) && { headers: ctx.http.authHeaders }) } };
}

/** The key is sent only to the channel's own host or to Google's API hosts, never to a third party named in an answer. */
function keyMayGoTo(url: string, ctx: ProviderContext): boolean {
  try {
    const target = new URL(url);
    return (
      target.origin === new URL(ctx.http.baseUrl).origin ||
      (target.protocol === 'https:' && target.hostname.endsWith('.googleapis.com'))
    );
  } catch {
    return false;
  }
}

/** Absolute download URL; a bare `files/{id}` is turned into the SDK's `files/{id}:download?alt=media`. */
function downloadUrl(uri: string, ctx: ProviderContext): string {
  if (/^https?:\/\//i.test(uri)) return uri;
  const path = /^files\/[^/:?]+$/.test(uri) ? `${uri}:download?alt=media` : uri;
  return ctx.http.url(path);
}
