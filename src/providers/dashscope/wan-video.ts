import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { pending } from '../completed-operation.js';
import { upstreamFailed } from '../errors.js';
import { referenceDataUrl } from '../reference-data.js';
import { followReference, nearestRatio, reshaped, snapSeconds, upstreamSeconds } from '../snap.js';
import type { OperationStatus, ProviderContext, ProviderOutput, StartResult } from '../types.js';
import { DASHSCOPE_LABEL } from './errors.js';
import { wanResolution, type DashScopeOptions, type WanResolution } from './options.js';
import { fetchTask, submitTask, taskRefFields, taskState } from './task.js';

/*
 * Wan video synthesis: `POST services/aigc/video-generation/video-synthesis` with `X-DashScope-Async:
 * enable`, then `GET tasks/{id}` until `output.video_url`. Two request shapes:
 * - classic (wan2.1–2.6): text-to-video sends `parameters.size` "W*H" from the documented tiers;
 *   image-to-video switches to the i2v model, sends `input.img_url` and `parameters.resolution`.
 * - media (wan2.7): `input.media: [{type: "first_frame", url}]`, `parameters.resolution` and, for
 *   text-to-video, `parameters.ratio`.
 */

const PATH = 'services/aigc/video-generation/video-synthesis';
/** How long a Wan task usually takes (1–5 min), for the progress estimate. */
const EXPECTED_MS = 120_000;

/** Text-to-video sizes per resolution tier and aspect ratio (classic protocol). */
const T2V_SIZES: Record<WanResolution, Record<string, string>> = {
  '480P': { '16:9': '832*480', '9:16': '480*832', '1:1': '624*624' },
  '720P': { '16:9': '1280*720', '9:16': '720*1280', '1:1': '960*960', '4:3': '1088*832', '3:4': '832*1088' },
  '1080P': { '16:9': '1920*1080', '9:16': '1080*1920', '1:1': '1440*1440', '4:3': '1632*1248', '3:4': '1248*1632' },
};
const TIER_PIXELS: Record<WanResolution, number> = { '480P': 832 * 480, '720P': 1280 * 720, '1080P': 1920 * 1080 };
/** The shapes an image-to-video takes from its image, to say which one it is (720P sizes, `x`-separated). */
const I2V_SHAPES = Object.fromEntries(
  Object.entries(T2V_SIZES['720P']).map(([ratio, size]) => [ratio, size.replace('*', 'x')]),
);
/** wan2.7 text-to-video ratios (media protocol). */
const MEDIA_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'];

export const wanRefSchema = z.object({
  flow: z.literal('wan-video'),
  ...taskRefFields,
  seconds: z.number(),
  width: z.number().optional(),
  height: z.number().optional(),
});
export type WanRef = z.infer<typeof wanRefSchema>;

/** Durations each model family takes; unknown names are treated like wan2.5 (5 or 10 s). */
export function wanDurations(model: string): { allowed?: number[]; min?: number; max?: number } {
  if (/^wan2\.7/.test(model)) return { min: 2, max: 15 };
  // Earlier docs say 5/10/15, later ones any integer 2–15: the values both accept.
  if (/^wan2\.6/.test(model)) return { allowed: [5, 10, 15] };
  if (/^wan2\.[0-2]\b/.test(model)) return { allowed: [5] };
  return { allowed: [5, 10] };
}

/** The model that will serve this request: image-to-video when a reference is present. */
export function wanModel(upstreamModel: string, hasReference: boolean, options: DashScopeOptions): string {
  if (hasReference) return options.i2vModel ?? upstreamModel.replace('t2v', 'i2v');
  // An operator may map a public name straight to an i2v model; without an image it cannot run.
  return upstreamModel.replace('i2v', 't2v');
}

/** Resolution tiers per family: wan2.2 has 480P and 1080P, wan2.6 and wan2.7 720P and 1080P. */
function wanTiers(model: string, media: boolean): readonly WanResolution[] {
  if (media || /^wan2\.[67]/.test(model)) return ['720P', '1080P'];
  if (/^wan2\.2\b/.test(model)) return ['480P', '1080P'];
  return ['480P', '720P', '1080P'];
}

const protocolOf = (model: string, options: DashScopeOptions) =>
  options.wanProtocol ?? (/^wan2\.7/.test(model) ? 'media' : 'classic');

const supportedRatio = (asked: string, ratios: string[]) =>
  ratios.includes(asked) ? asked : nearestRatio(asked, ratios);

/** The resolution tier: asked for, else the channel's, else the one nearest the request's pixel count. */
function tierOf(req: GenerationRequest, options: DashScopeOptions, allowed: readonly WanResolution[]): WanResolution {
  const asked = wanResolution(req.resolution) ?? options.resolution;
  if (asked)
    return allowed.includes(asked)
      ? asked
      : allowed.reduce((a, b) =>
          Math.abs(TIER_PIXELS[b] - TIER_PIXELS[asked]) < Math.abs(TIER_PIXELS[a] - TIER_PIXELS[asked]) ? b : a,
        );
  const pixels = req.width * req.height;
  return allowed.reduce((a, b) =>
    Math.abs(Math.log(TIER_PIXELS[b] / pixels)) < Math.abs(Math.log(TIER_PIXELS[a] / pixels)) ? b : a,
  );
}

/** Classic text-to-video: the tier's size for the supported ratio nearest the request's. */
export function t2vSize(
  req: GenerationRequest,
  model: string,
  options: DashScopeOptions,
): { aspectRatio: string; size: string } {
  const sizes = T2V_SIZES[tierOf(req, options, wanTiers(model, false))];
  const aspectRatio = supportedRatio(req.aspectRatio, Object.keys(sizes));
  return { aspectRatio, size: sizes[aspectRatio] };
}

/** Snaps duration and (for text-to-video) the ratio and frame size to what the Wan model makes, telling the user. */
export function adaptWan(req: GenerationRequest, upstreamModel: string, options: DashScopeOptions): GenerationRequest {
  const model = wanModel(upstreamModel, req.references.length > 0, options);
  const out = snapSeconds(req, model, wanDurations(model));
  // Image-to-video follows the image's shape.
  if (req.references.length > 0) return followReference(out, model, I2V_SHAPES);
  const media = protocolOf(model, options) === 'media';
  const snapped = media ? { aspectRatio: supportedRatio(out.aspectRatio, MEDIA_RATIOS) } : t2vSize(out, model, options);
  const [width, height] = 'size' in snapped ? snapped.size.split('*').map(Number) : [out.width, out.height];
  return reshaped(out, model, { aspectRatio: snapped.aspectRatio, width, height });
}

/** The request body, built for whichever protocol and model serve this request. */
export async function wanBody(req: GenerationRequest, model: string, ctx: ProviderContext, options: DashScopeOptions) {
  const reference = req.references[0];
  const seconds = upstreamSeconds(req.seconds ?? 5, wanDurations(model));
  const common = {
    duration: Math.round(seconds),
    prompt_extend: options.promptExtend,
    watermark: options.watermark,
    ...(req.seed !== undefined && { seed: req.seed }),
  };
  const input = { prompt: req.prompt, ...(req.negativePrompt && { negative_prompt: req.negativePrompt }) };
  const media = protocolOf(model, options) === 'media';
  if (media) {
    const resolution = tierOf(req, options, wanTiers(model, true));
    return reference
      ? {
          model,
          input: { ...input, media: [{ type: 'first_frame', url: await referenceDataUrl(ctx, reference) }] },
          parameters: { resolution, ...common },
        }
      : { model, input, parameters: { resolution, ratio: supportedRatio(req.aspectRatio, MEDIA_RATIOS), ...common } };
  }
  if (reference) {
    return {
      model,
      input: { ...input, img_url: await referenceDataUrl(ctx, reference) },
      parameters: { resolution: tierOf(req, options, wanTiers(model, false)), ...common },
    };
  }
  return { model, input, parameters: { size: t2vSize(req, model, options).size, ...common } };
}

export async function startWan(
  req: GenerationRequest,
  ctx: ProviderContext,
  options: DashScopeOptions,
): Promise<StartResult> {
  const model = wanModel(ctx.upstreamModel, req.references.length > 0, options);
  const body = await wanBody(req, model, ctx, options);
  const taskId = await submitTask(ctx, PATH, body);
  const size = 'size' in body.parameters ? body.parameters.size.split('*').map(Number) : undefined;
  const ref: WanRef = {
    flow: 'wan-video',
    taskId,
    submittedAt: Date.now(),
    model,
    seconds: body.parameters.duration,
    ...(size && { width: size[0], height: size[1] }),
  };
  return pending(ref);
}

export async function wanStatus(ref: WanRef, ctx: ProviderContext): Promise<OperationStatus> {
  const state = taskState(await fetchTask(ctx, ref.taskId), ref, EXPECTED_MS);
  if (state.state !== 'succeeded') return state;
  const url = state.reply.output.video_url;
  if (!url) {
    return {
      state: 'failed',
      error: upstreamFailed(
        'upstream_bad_response',
        `${DASHSCOPE_LABEL} reported task ${ref.taskId} SUCCEEDED without a video link.`,
      ),
    };
  }
  const reported = state.reply.usage?.video_duration;
  const output: ProviderOutput = {
    kind: 'video',
    contentType: 'video/mp4',
    source: { type: 'url', url },
    seconds: typeof reported === 'number' && reported > 0 ? reported : ref.seconds,
    ...(ref.width !== undefined && { width: ref.width, height: ref.height }),
  };
  return { state: 'succeeded', outputs: [output] };
}
