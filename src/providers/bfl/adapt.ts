import type { GenerationRequest } from '../../intent/types.js';
import { ratioNote, sizeNote, withNote } from '../snap.js';
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
  if (out.n > 1) out = withNote({ ...out, n: 1 }, `${upstreamModel} makes one image per request; making 1.`, `${upstreamModel} 每次只生成 1 张，已改为 1 张。`);
  if (out.negativePrompt !== undefined) {
    const { negativePrompt: _dropped, ...rest } = out;
    out = withNote(rest, `${upstreamModel} takes no negative prompt; it was left out.`, `${upstreamModel} 不支持反向提示词，已忽略。`);
  }
  if (familyOf(upstreamModel) === 'kontext') {
    const [w, h] = out.aspectRatio.split(':').map(Number);
    const value = w / h;
    if (value > KONTEXT_MAX_RATIO || value < 1 / KONTEXT_MAX_RATIO) {
      const wide = value > 1;
      const aspectRatio = wide ? '21:9' : '9:21';
      const size = wide ? { width: 1568, height: 672 } : { width: 672, height: 1568 };
      out = withNote({ ...out, aspectRatio, ...size }, ...ratioNote(upstreamModel, out.aspectRatio, aspectRatio));
    }
    return out;
  }
  const size = fluxSize(out.width, out.height);
  if (size.width !== out.width || size.height !== out.height) {
    out = withNote({ ...out, ...size }, ...sizeNote(upstreamModel, `${out.width}x${out.height}`, `${size.width}x${size.height}`));
  }
  return out;
}
