import type { GenerationRequest } from '../../intent/types.js';
import { adjusted } from '../snap.js';
import { familyOf, KONTEXT_MAX_RATIO, SIZE_MAX, SIZE_MIN, SIZE_STEP } from './models.js';

/** Scales to fit 256–1440 on both sides, keeping the ratio as well as multiples of 32 allow. */
export function fluxSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, SIZE_MAX / Math.max(width, height)) * Math.max(1, SIZE_MIN / Math.min(width, height));
  const snap = (v: number) => Math.min(SIZE_MAX, Math.max(SIZE_MIN, Math.round((v * scale) / SIZE_STEP) * SIZE_STEP));
  return { width: snap(width), height: snap(height) };
}

/**
 * What one BFL model accepts, told to the user when it differs from the public model's answer:
 * a size for FLUX 1.1 [pro] / [dev], a ratio within 21:9–9:21 for Kontext, one image per task,
 * and no negative prompt (FLUX has none; words like "no cars" in a prompt tend to add cars).
 */
export function adaptToBfl(req: GenerationRequest, upstreamModel: string): GenerationRequest {
  let out = req;
  if (out.n > 1) out = adjusted({ ...out, n: 1 }, { kind: 'single_image', model: upstreamModel });
  if (out.negativePrompt !== undefined) {
    const { negativePrompt: _dropped, ...rest } = out;
    out = adjusted(rest, { kind: 'negative_prompt_dropped', model: upstreamModel });
  }
  if (familyOf(upstreamModel) === 'kontext') {
    const [w, h] = out.aspectRatio.split(':').map(Number);
    const value = w / h;
    if (value > KONTEXT_MAX_RATIO || value < 1 / KONTEXT_MAX_RATIO) {
      const wide = value > 1;
      const aspectRatio = wide ? '21:9' : '9:21';
      const size = wide ? { width: 1568, height: 672 } : { width: 672, height: 1568 };
      out = adjusted(
        { ...out, aspectRatio, ...size },
        { kind: 'ratio_snapped', model: upstreamModel, asked: out.aspectRatio, used: aspectRatio },
      );
    }
    return out;
  }
  const size = fluxSize(out.width, out.height);
  if (size.width !== out.width || size.height !== out.height) {
    out = adjusted(
      { ...out, ...size },
      {
        kind: 'size_snapped',
        model: upstreamModel,
        asked: `${out.width}x${out.height}`,
        used: `${size.width}x${size.height}`,
      },
    );
  }
  return out;
}
