import type { GenerationRequest } from '../../intent/types.js';
import type { Adjustment } from '../../intent/adjustments.js';
import { notingAvoidLine } from '../avoid-line.js';
import { adjusted, snapSeconds } from '../snap.js';
import type { VideosOptions } from './options.js';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `1280x720` → `16:9`. */
export function ratioOf(width: number, height: number): string {
  const d = gcd(width, height);
  return `${width / d}:${height / d}`;
}

/** The supported size nearest in shape, then in pixel count (both on a log scale). */
export function nearestSize(
  width: number,
  height: number,
  sizes: VideosOptions['sizes'],
): { width: number; height: number } {
  const shape = (s: { width: number; height: number }) => Math.abs(Math.log(s.width / s.height / (width / height)));
  const area = (s: { width: number; height: number }) => Math.abs(Math.log((s.width * s.height) / (width * height)));
  return sizes.reduce((best, s) => {
    const d = shape(s) - shape(best);
    return d < -1e-9 || (Math.abs(d) <= 1e-9 && area(s) < area(best)) ? s : best;
  });
}

/**
 * Snaps a video request to what this upstream makes: seconds from its allowed set or range (Sora:
 * 4, 8 or 12 where the public `sora-2` promises 1–15), and the size to the nearest supported one.
 * Every change is recorded in `adjustments`, for the user to be told.
 */
export function adaptToVideos(
  req: GenerationRequest,
  upstreamModel: string,
  options: VideosOptions,
): GenerationRequest {
  if (req.kind !== 'video') return req;
  const out = fitShape(req, upstreamModel, options);
  // fitReference crops a reference of another shape to the output's (Sora refuses it otherwise).
  const reference = out.references[0];
  if (!reference || Math.abs(Math.log(reference.width / reference.height / (out.width / out.height))) < 0.01)
    return out;
  return adjusted(out, { kind: 'reference_cropped', model: upstreamModel, used: `${out.width}x${out.height}` });
}

function fitShape(req: GenerationRequest, upstreamModel: string, options: VideosOptions): GenerationRequest {
  let out = snapSeconds(
    notingAvoidLine(req, upstreamModel),
    upstreamModel,
    'allowed' in options.seconds ? { allowed: options.seconds.allowed } : options.seconds,
  );
  if (out.seconds !== undefined && !Number.isInteger(out.seconds)) out = { ...out, seconds: Math.round(out.seconds) };
  const size = nearestSize(out.width, out.height, options.sizes);
  if (size.width === out.width && size.height === out.height) return out;
  const ratio = ratioOf(size.width, size.height);
  const askedRatio = ratioOf(out.width, out.height);
  const change: Adjustment =
    ratio !== askedRatio
      ? { kind: 'ratio_snapped', model: upstreamModel, asked: out.aspectRatio, used: ratio }
      : {
          kind: 'size_snapped',
          model: upstreamModel,
          asked: `${out.width}x${out.height}`,
          used: `${size.width}x${size.height}`,
        };
  return adjusted(
    { ...out, width: size.width, height: size.height, aspectRatio: ratio === askedRatio ? out.aspectRatio : ratio },
    change,
  );
}
