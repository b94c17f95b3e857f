import type { GenerationRequest } from '../../intent/types.js';
import { followReference, snapRatio, snapSeconds } from '../snap.js';
import { durationLimits, KLING_SIZES } from './models.js';

/** Kling makes 16:9, 9:16 or 1:1 videos of 5 or 10 s (3–15 s on V3 models). */
export function adaptToKling(req: GenerationRequest, upstreamModel: string): GenerationRequest {
  const timed = snapSeconds(req, upstreamModel, durationLimits(upstreamModel));
  // image2video takes no aspect_ratio: the video follows the image.
  return req.references.length > 0
    ? followReference(timed, upstreamModel, KLING_SIZES)
    : snapRatio(timed, upstreamModel, KLING_SIZES);
}

/** The duration as Kling wants it: a string of whole seconds. */
export function klingDuration(req: GenerationRequest, upstreamModel: string): string {
  const limits = durationLimits(upstreamModel);
  return String(req.seconds ?? limits.allowed?.[0] ?? limits.min);
}
