import type { GenerationRequest } from '../../intent/types.js';
import type { ReferenceImage } from '../reference-data.js';
import { adjusted, snapRatio, snapSeconds } from '../snap.js';
import type { GeminiOptions } from './options.js';

/** Pixel sizes per ratio at each Veo resolution (720p is the default and what is sent when none is asked). */
const SIZES: Record<string, Readonly<Record<string, string>>> = {
  '720p': { '16:9': '1280x720', '9:16': '720x1280' },
  '1080p': { '16:9': '1920x1080', '9:16': '1080x1920' },
  '4k': { '16:9': '3840x2160', '9:16': '2160x3840' },
};

const isVeo2 = (model: string) => /^(models\/)?veo-2/.test(model);

/** Veo 3.x makes 4, 6 or 8 s; Veo 2 5, 6 or 8 s. */
export const veoSeconds = (model: string): readonly number[] => (isVeo2(model) ? [5, 6, 8] : [4, 6, 8]);

/** The resolution to send, or undefined to leave Veo's 720p default (Veo 2 takes no resolution at all). */
function resolutionFor(req: GenerationRequest, model: string): string | undefined {
  const asked = req.resolution?.toLowerCase();
  if (!asked || isVeo2(model)) return undefined;
  return Object.hasOwn(SIZES, asked) ? asked : undefined;
}

/**
 * Snaps a video request to what Veo accepts: 16:9 or 9:16, 4/6/8 s, 720p/1080p/4k — and 8 s whenever
 * Veo requires it (1080p, 4k, asset reference images). Each change adds one line for the user.
 */
export function adaptVeoRequest(request: GenerationRequest, model: string, options: GeminiOptions): GenerationRequest {
  let req = request;
  const resolution = resolutionFor(req, model);
  if (req.resolution !== undefined && resolution === undefined) {
    const { resolution: asked, ...rest } = req;
    req = adjusted(rest, { kind: 'resolution_changed', model, asked, used: '720p' });
  } else if (resolution) req = { ...req, resolution };
  const sizes = SIZES[resolution ?? '720p'];
  req = snapRatio(req, model, sizes);
  const [width, height] = sizes[req.aspectRatio].split('x').map(Number);
  req = { ...req, width, height };

  const needsEight =
    resolution === '1080p' ||
    resolution === '4k' ||
    (options.veoReferenceMode === 'asset' && req.references.length > 0);
  if (needsEight && req.seconds !== 8) {
    const because = resolution === '1080p' || resolution === '4k' ? resolution : 'reference_images';
    return adjusted({ ...req, seconds: 8 }, { kind: 'duration_fixed', model, used: 8, because });
  }
  return snapSeconds(req, model, { allowed: veoSeconds(model) });
}

const encoded = (image: ReferenceImage) => ({
  bytesBase64Encoded: image.data.toString('base64'),
  mimeType: image.contentType,
});

/**
 * `models/{model}:predictLongRunning` body, as the official SDK puts it on the wire. The reference
 * is the first frame (`instances[0].image`) unless the channel sends references as ASSET images.
 * `durationSeconds` is a JSON number (the docs print it as a string; the SDK sends a number).
 * `personGeneration` is left out: the allowed value differs by mode and region, and a wrong one is a 400.
 * `seed` is left out: the SDK refuses it for the Gemini API.
 */
export function predictLongRunningBody(
  req: GenerationRequest,
  model: string,
  references: ReferenceImage[],
  options: GeminiOptions,
) {
  const instance: Record<string, unknown> = { prompt: req.prompt };
  if (references.length > 0) {
    if (options.veoReferenceMode === 'asset')
      instance.referenceImages = references.slice(0, 3).map((r) => ({ image: encoded(r), referenceType: 'ASSET' }));
    else instance.image = encoded(references[0]);
  }
  const parameters: Record<string, unknown> = { aspectRatio: req.aspectRatio, durationSeconds: req.seconds ?? 8 };
  if (req.negativePrompt) parameters.negativePrompt = req.negativePrompt;
  const resolution = resolutionFor(req, model);
  if (resolution) parameters.resolution = resolution;
  return { instances: [instance], parameters };
}
