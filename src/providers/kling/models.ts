/**
 * What Kling's model names can do. `kling-v1-5` and `kling-v2-1` exist only for image-to-video;
 * a text-only request for them goes to the channel's `text_model` instead. V3 models take any
 * whole duration from 3 to 15 s; the older ones 5 or 10.
 */
const IMAGE_ONLY = new Set(['kling-v1-5', 'kling-v2-1']);

export const DEFAULT_TEXT_MODEL = 'kling-v2-1-master';

export const isImageOnly = (model: string) => IMAGE_ONLY.has(model);

export function durationLimits(model: string): { allowed?: number[]; min?: number; max?: number } {
  return model.startsWith('kling-v3') ? { min: 3, max: 15 } : { allowed: [5, 10] };
}

/** `cfg_scale` is not supported by the v2.x models. */
export const takesCfgScale = (model: string) => !/^kling-v[2-9]/.test(model);

/** Kling's ratios; the pixel sizes are what the gateway announces for each. */
export const KLING_SIZES: Readonly<Record<string, string>> = {
  '16:9': '1280x720',
  '9:16': '720x1280',
  '1:1': '720x720',
};
