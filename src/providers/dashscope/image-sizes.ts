import type { GenerationRequest } from '../../intent/types.js';
import { nearestRatio, reshaped } from '../snap.js';

/** The qwen-image output sizes DashScope documents, by aspect ratio (note 4:3 is 1472*1140, not 1472*1104). */
export const QWEN_IMAGE_SIZES: Readonly<Record<string, string>> = {
  '16:9': '1664*928',
  '4:3': '1472*1140',
  '1:1': '1328*1328',
  '3:4': '1140*1472',
  '9:16': '928*1664',
};

/** The supported ratio and size nearest the request's. */
export function qwenImageSize(req: Pick<GenerationRequest, 'aspectRatio' | 'width' | 'height'>): {
  aspectRatio: string;
  size: string;
  width: number;
  height: number;
} {
  const ratios = Object.keys(QWEN_IMAGE_SIZES);
  const aspectRatio = ratios.includes(req.aspectRatio) ? req.aspectRatio : nearestRatio(req.aspectRatio, ratios);
  const size = QWEN_IMAGE_SIZES[aspectRatio];
  const [width, height] = size.split('*').map(Number);
  return { aspectRatio, size, width, height };
}

/** Snaps an image request to a qwen-image size, saying so when the aspect ratio had to change. */
export function adaptImageSize(req: GenerationRequest, upstreamModel: string): GenerationRequest {
  return reshaped(req, upstreamModel, qwenImageSize(req));
}
