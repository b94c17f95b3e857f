import type { GenerationRequest } from '../intent/types.js';

/**
 * Helpers for `Provider.adapt`: snap a request to what one upstream model accepts and tell the user
 * in their language. A public name such as `sora-2` can be served by Veo (4/6/8 s) or Wan (5/10 s).
 */

/** `req` with one more line for the user in `adjustments`, in the prompt's language. */
export const withNote = (req: GenerationRequest, en: string, zh: string): GenerationRequest => ({ ...req, adjustments: [...req.adjustments, req.language === 'zh' ? zh : en] });

/** The note (English, Chinese) for an aspect ratio the upstream model does not make. */
export const ratioNote = (upstreamModel: string, asked: string, used: string): [en: string, zh: string] => [
  `Aspect ratio ${asked} is not supported by ${upstreamModel}; using ${used}.`,
  `${upstreamModel} 不支持 ${asked} 比例，已改用 ${used}。`,
];

/** The note (English, Chinese) for a pixel size the upstream model does not offer, at the same ratio. */
export const sizeNote = (upstreamModel: string, asked: string, used: string): [en: string, zh: string] => [
  `Size ${asked} is not offered by ${upstreamModel}; using ${used}.`,
  `${upstreamModel} 不提供 ${asked} 尺寸，已改用 ${used}。`,
];

const nearest = (values: readonly number[], target: number) => values.reduce((best, v) => (Math.abs(v - target) < Math.abs(best - target) ? v : best));

/** Seconds the upstream will actually make for `asked`: an allowed value, or clamped to [min, max]. */
export function upstreamSeconds(asked: number, limits: { allowed?: readonly number[]; min?: number; max?: number }): number {
  if (limits.allowed && limits.allowed.length > 0) return nearest(limits.allowed, asked);
  return Math.min(limits.max ?? asked, Math.max(limits.min ?? asked, asked));
}

export function snapSeconds(req: GenerationRequest, upstreamModel: string, limits: { allowed?: readonly number[]; min?: number; max?: number }): GenerationRequest {
  if (req.kind !== 'video' || req.seconds === undefined) return req;
  const seconds = upstreamSeconds(req.seconds, limits);
  if (seconds === req.seconds) return req;
  return withNote({ ...req, seconds }, `${upstreamModel} cannot make ${req.seconds} s videos; using ${seconds} s.`, `${upstreamModel} 不支持 ${req.seconds} 秒，已改为 ${seconds} 秒。`);
}

const ratioValue = (ratio: string) => {
  const [w, h] = ratio.split(':').map(Number);
  return w / h;
};

/** The supported ratio closest to the request's (by log distance, so 4:3 → 16:9 rather than 1:1 when those are the choices). */
export function nearestRatio(asked: string, supported: readonly string[]): string {
  const value = ratioValue(asked);
  return supported.reduce((best, r) => (Math.abs(Math.log(ratioValue(r) / value)) < Math.abs(Math.log(ratioValue(best) / value)) ? r : best));
}

/**
 * `req` in the shape the upstream makes. A changed aspect ratio is told to the user; a pixel size that
 * only follows the upstream's preset for the same ratio is not.
 */
export function reshaped(req: GenerationRequest, upstreamModel: string, shape: { aspectRatio: string; width: number; height: number }): GenerationRequest {
  const { aspectRatio, width, height } = shape;
  if (aspectRatio === req.aspectRatio && width === req.width && height === req.height) return req;
  const out = { ...req, aspectRatio, width, height };
  return aspectRatio === req.aspectRatio ? out : withNote(out, ...ratioNote(upstreamModel, req.aspectRatio, aspectRatio));
}

/** Snaps the aspect ratio, and the pixel size with it (`sizes` gives the size for each supported ratio). */
export function snapRatio(req: GenerationRequest, upstreamModel: string, sizes: Readonly<Record<string, string>>): GenerationRequest {
  const supported = Object.keys(sizes);
  if (supported.includes(req.aspectRatio)) return req;
  const aspectRatio = nearestRatio(req.aspectRatio, supported);
  const [width, height] = sizes[aspectRatio].split('x').map(Number);
  return reshaped(req, upstreamModel, { aspectRatio, width, height });
}
