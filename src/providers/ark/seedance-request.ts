import type { GenerationRequest } from '../../intent/types.js';
import { nearestRatio, upstreamSeconds } from '../snap.js';
import { validSeed } from './images-request.js';
import type { ArkOptions } from './options.js';

/**
 * `POST /contents/generations/tasks` bodies for Seedance (shared/reference/upstream-protocols.md §6):
 * a `content` array (the prompt, then the first frame as a data: URL) with `resolution`, `ratio` and
 * `duration` as body fields — or, with channel option `parameterStyle: text-flags`, as the older
 * `--rs 720p --rt 16:9 --dur 5` flags after the prompt (UNCONFIRMED; for older models and proxies).
 */

/** Seedance's ratios, with the 720p size the gateway announces for each. */
export const SEEDANCE_SIZES: Readonly<Record<string, string>> = {
  '16:9': '1280x720',
  '9:16': '720x1280',
  '1:1': '720x720',
  '4:3': '960x720',
  '3:4': '720x960',
  '21:9': '1680x720',
};

const RESOLUTIONS = [480, 720, 1080] as const;

/**
 * Whole seconds each Seedance generation makes. 1.0 (pro, pro-fast, lite) takes 3–12 s per the
 * brief; 1.5 pro 4–12 and 2.0 4–15 are from third-party mirrors (UNCONFIRMED).
 */
export function seedanceDurations(model: string): { min: number; max: number } {
  if (/seedance-1-5/.test(model)) return { min: 4, max: 12 };
  if (/seedance-2-/.test(model)) return { min: 4, max: 15 };
  return { min: 3, max: 12 };
}

export const seedanceSeconds = (req: GenerationRequest, model: string) =>
  upstreamSeconds(Math.round(req.seconds ?? 5), seedanceDurations(model));

export const seedanceRatio = (req: GenerationRequest) => nearestRatio(req.aspectRatio, Object.keys(SEEDANCE_SIZES));

/** `480p | 720p | 1080p`: the asked resolution when given, else the tier of the resolved size. */
export function seedanceResolution(req: GenerationRequest): string {
  const asked = /^(\d{3,4})\s*p?$/i.exec(req.resolution?.trim() ?? '');
  const lines = asked ? Number(asked[1]) : Math.min(req.width, req.height);
  const tier = RESOLUTIONS.reduce((best, r) => (Math.abs(r - lines) < Math.abs(best - lines) ? r : best));
  return `${tier}p`;
}

export interface SeedanceParameters {
  resolution: string;
  ratio: string;
  duration: number;
  seed?: number;
}

/**
 * What the task will be asked for. With a first frame the ratio is the one the gateway resolved and
 * announced (so `竖屏` with a landscape photo still makes 9:16, cropping it) unless the channel sets
 * `firstFrameRatio: adaptive`, which lets the image decide.
 */
export function seedanceParameters(req: GenerationRequest, model: string, options: ArkOptions): SeedanceParameters {
  const hasFirstFrame = req.references.length > 0;
  return {
    resolution: seedanceResolution(req),
    ratio: hasFirstFrame && options.firstFrameRatio === 'adaptive' ? 'adaptive' : seedanceRatio(req),
    duration: seedanceSeconds(req, model),
    ...(validSeed(req.seed, -1, 4_294_967_295) && { seed: req.seed }),
  };
}

function promptText(req: GenerationRequest): string {
  if (!req.negativePrompt) return req.prompt;
  return req.language === 'zh'
    ? `${req.prompt}\n避免：${req.negativePrompt}`
    : `${req.prompt}\nAvoid: ${req.negativePrompt}`;
}

export function seedanceBody(
  req: GenerationRequest,
  model: string,
  firstFrame: string | undefined,
  options: ArkOptions,
): Record<string, unknown> {
  const params = seedanceParameters(req, model, options);
  let text = promptText(req);
  const fields: Record<string, unknown> = {};
  if (options.parameterStyle === 'text-flags') {
    text += ` --rs ${params.resolution} --rt ${params.ratio} --dur ${params.duration} --wm ${options.watermark}`;
    if (params.seed !== undefined) text += ` --seed ${params.seed}`;
  } else {
    Object.assign(fields, { resolution: params.resolution, ratio: params.ratio, duration: params.duration });
    if (params.seed !== undefined) fields.seed = params.seed;
    fields.watermark = options.watermark;
  }
  const content: Record<string, unknown>[] = [{ type: 'text', text }];
  if (firstFrame) content.push({ type: 'image_url', image_url: { url: firstFrame }, role: 'first_frame' });
  return { model, content, ...fields };
}
