import type { Adjustment } from '../intent/adjustments.js';
import type { GenerationRequest } from '../intent/types.js';

/**
 * Helpers for `Provider.adapt`: snap a request to what one upstream model accepts and tell the user
 * in their language. A public name such as `sora-2` can be served by Veo (4/6/8 s) or Wan (5/10 s).
 */

/** `req` with one more change recorded, for the user to be told in their language. */
export const adjusted = (req: GenerationRequest, adjustment: Adjustment): GenerationRequest => ({
  ...req,
  adjustments: [...req.adjustments, adjustment],
});

const nearest = (values: readonly number[], target: number) =>
  values.reduce((best, v) => (Math.abs(v - target) < Math.abs(best - target) ? v : best));

/** Seconds the upstream will actually make for `asked`: an allowed value, or clamped to [min, max]. */
export function upstreamSeconds(
  asked: number,
  limits: { allowed?: readonly number[]; min?: number; max?: number },
): number {
  if (limits.allowed && limits.allowed.length > 0) return nearest(limits.allowed, asked);
  return Math.min(limits.max ?? asked, Math.max(limits.min ?? asked, asked));
}

export function snapSeconds(
  req: GenerationRequest,
  upstreamModel: string,
  limits: { allowed?: readonly number[]; min?: number; max?: number },
): GenerationRequest {
  if (req.kind !== 'video' || req.seconds === undefined) return req;
  const seconds = upstreamSeconds(req.seconds, limits);
  if (seconds === req.seconds) return req;
  return adjusted(
    { ...req, seconds },
    { kind: 'duration_snapped', model: upstreamModel, asked: req.seconds, used: seconds },
  );
}

const ratioValue = (ratio: string) => {
  const [w, h] = ratio.split(':').map(Number);
  return w / h;
};

/** The supported ratio closest to the request's (by log distance, so 4:3 → 16:9 rather than 1:1 when those are the choices). */
export function nearestRatio(asked: string, supported: readonly string[]): string {
  const value = ratioValue(asked);
  return supported.reduce((best, r) =>
    Math.abs(Math.log(ratioValue(r) / value)) < Math.abs(Math.log(ratioValue(best) / value)) ? r : best,
  );
}

/**
 * `req` in the shape the upstream makes. A changed aspect ratio is told to the user; a pixel size that
 * only follows the upstream's preset for the same ratio is not.
 */
export function reshaped(
  req: GenerationRequest,
  upstreamModel: string,
  shape: { aspectRatio: string; width: number; height: number },
): GenerationRequest {
  const { aspectRatio, width, height } = shape;
  if (aspectRatio === req.aspectRatio && width === req.width && height === req.height) return req;
  const out = { ...req, aspectRatio, width, height };
  return aspectRatio === req.aspectRatio
    ? out
    : adjusted(out, { kind: 'ratio_snapped', model: upstreamModel, asked: req.aspectRatio, used: aspectRatio });
}

/** Snaps the aspect ratio, and the pixel size with it (`sizes` gives the size for each supported ratio). */
export function snapRatio(
  req: GenerationRequest,
  upstreamModel: string,
  sizes: Readonly<Record<string, string>>,
): GenerationRequest {
  const supported = Object.keys(sizes);
  if (supported.includes(req.aspectRatio)) return req;
  const aspectRatio = nearestRatio(req.aspectRatio, supported);
  const [width, height] = sizes[aspectRatio].split('x').map(Number);
  return reshaped(req, upstreamModel, { aspectRatio, width, height });
}

/**
 * Image-to-video on an upstream whose video takes the reference's shape (Kling, Wan): the request
 * says so, with the nearest of `sizes`, when that is not the ratio asked.
 */
export function followReference(
  req: GenerationRequest,
  upstreamModel: string,
  sizes: Readonly<Record<string, string>>,
): GenerationRequest {
  const reference = req.references[0];
  if (req.kind !== 'video' || !reference) return req;
  const aspectRatio = nearestRatio(`${reference.width}:${reference.height}`, Object.keys(sizes));
  if (aspectRatio === req.aspectRatio) return req;
  const [width, height] = sizes[aspectRatio].split('x').map(Number);
  return adjusted(
    { ...req, aspectRatio, width, height },
    { kind: 'ratio_from_reference', model: upstreamModel, asked: req.aspectRatio, used: aspectRatio },
  );
}
