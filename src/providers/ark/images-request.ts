import type { GenerationRequest } from '../../intent/types.js';
import type { ArkOptions, ImageFamily } from './options.js';

/**
 * `POST /images/generations` bodies for Seedream 4.0, Seedream 3.0 t2i and SeedEdit 3.0 i2i
 * (shared/reference/upstream-protocols.md §6). Size bounds marked (3p) there are enforced here too,
 * so a size the upstream would refuse is snapped (and the user told, in `adapt`) instead of failing.
 */

/** Seedream 4.0: total pixels from 1280×720 to 4096×4096, aspect ratio within 1:16–16:1 (3p). */
const SEEDREAM4_MIN_PIXELS = 1280 * 720;
const SEEDREAM4_MAX_PIXELS = 4096 * 4096;
/** Seedream 3.0 t2i: each side from 512 to 2048 (3p). */
const SEEDREAM3_MIN_SIDE = 512;
const SEEDREAM3_MAX_SIDE = 2048;
/** Seedream 4.x: reference images plus generated images may not exceed 15 (3p). */
export const SEEDREAM4_MAX_TOTAL_IMAGES = 15;

const SEED_MIN = -1;
const SEED_MAX = 2_147_483_647;

export const validSeed = (seed: number | undefined, min = SEED_MIN, max = SEED_MAX): seed is number =>
  seed !== undefined && Number.isInteger(seed) && seed >= min && seed <= max;

const clampAspect = (width: number, height: number) => {
  // 1:16 to 16:1; beyond that the short side grows.
  if (width / height > 16) return { width, height: Math.ceil(width / 16) };
  if (height / width > 16) return { width: Math.ceil(height / 16), height };
  return { width, height };
};

/** The `WxH` the model accepts closest to the asked size, keeping its aspect ratio. */
export function upstreamImageSize(
  family: ImageFamily,
  width: number,
  height: number,
): { width: number; height: number } {
  if (family === 'seedream4') {
    const { width: w, height: h } = clampAspect(width, height);
    const pixels = w * h;
    if (pixels < SEEDREAM4_MIN_PIXELS) {
      const scale = Math.sqrt(SEEDREAM4_MIN_PIXELS / pixels);
      return { width: Math.ceil(w * scale), height: Math.ceil(h * scale) };
    }
    if (pixels > SEEDREAM4_MAX_PIXELS) {
      const scale = Math.sqrt(SEEDREAM4_MAX_PIXELS / pixels);
      return { width: Math.floor(w * scale), height: Math.floor(h * scale) };
    }
    return { width: w, height: h };
  }
  if (family === 'seedream3') {
    const down = Math.min(1, SEEDREAM3_MAX_SIDE / Math.max(width, height));
    const up = Math.max(1, SEEDREAM3_MIN_SIDE / Math.min(width * down, height * down));
    const clamp = (side: number) =>
      Math.min(SEEDREAM3_MAX_SIDE, Math.max(SEEDREAM3_MIN_SIDE, Math.round(side * down * up)));
    return { width: clamp(width), height: clamp(height) };
  }
  return { width, height };
}

/** How many images one call makes: Seedream 4.x makes a set; the others one image. */
export function upstreamImageCount(family: ImageFamily, n: number, references: number): number {
  if (family !== 'seedream4') return 1;
  return Math.max(1, Math.min(n, SEEDREAM4_MAX_TOTAL_IMAGES - references));
}

/**
 * Ark has no negative prompt, and with `sequential_image_generation: "auto"` the model itself decides
 * how many images the prompt asks for, so the count (which the gateway took out of the prompt as a
 * directive) is written back into it; `max_images` only caps it.
 */
function promptText(req: GenerationRequest, count: number): string {
  const zh = req.language === 'zh';
  let text = req.prompt;
  if (count > 1) text += zh ? `\n生成一组共${count}张图片。` : `\nGenerate a set of ${count} images.`;
  if (req.negativePrompt) text += zh ? `\n避免：${req.negativePrompt}` : `\nAvoid: ${req.negativePrompt}`;
  return text;
}

export function imageBody(
  req: GenerationRequest,
  model: string,
  family: ImageFamily,
  references: string[],
  options: ArkOptions,
): Record<string, unknown> {
  const count = upstreamImageCount(family, req.n, references.length);
  const body: Record<string, unknown> = { model, prompt: promptText(req, count) };
  if (family === 'seededit') {
    // SeedEdit edits exactly one image and keeps (roughly) its size.
    body.image = references[0];
    body.size = 'adaptive';
  } else {
    const { width, height } = upstreamImageSize(family, req.width, req.height);
    if (family === 'seedream4' && references.length > 0) body.image = references;
    body.size = `${width}x${height}`;
  }
  if (count > 1) {
    body.sequential_image_generation = 'auto';
    body.sequential_image_generation_options = { max_images: count };
  }
  if (family !== 'seedream4' && options.guidanceScale !== undefined) body.guidance_scale = options.guidanceScale;
  if (validSeed(req.seed)) body.seed = req.seed;
  body.response_format = options.responseFormat;
  // Ark's default is a visible "AI生成" mark; the channel decides.
  body.watermark = options.watermark;
  return body;
}
