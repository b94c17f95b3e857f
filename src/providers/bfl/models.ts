/**
 * BFL's two input families. Kontext models take a ratio and an optional `input_image`; FLUX 1.1
 * [pro] and FLUX.1 [dev] take a pixel size in multiples of 32 (256–1440) and an optional Redux
 * `image_prompt`. An upstream model name BFL may add later is treated by its prefix.
 */
export type BflFamily = 'kontext' | 'sized';

export const familyOf = (upstreamModel: string): BflFamily =>
  upstreamModel.startsWith('flux-kontext') ? 'kontext' : 'sized';

/** Kontext accepts ratios from 21:9 to 9:21. */
export const KONTEXT_MAX_RATIO = 21 / 9;

/** FLUX 1.1 [pro] / [dev] pixel limits. */
export const SIZE_STEP = 32;
export const SIZE_MIN = 256;
export const SIZE_MAX = 1440;
