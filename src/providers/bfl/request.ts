import type { GenerationRequest } from '../../intent/types.js';
import { familyOf } from './models.js';
import type { BflOptions } from './options.js';

/** Only FLUX.1 [dev] takes `steps` and `guidance`. */
const takesSampling = (upstreamModel: string) => upstreamModel === 'flux-dev';

/**
 * The JSON body for `POST /v1/<model>`. The reference travels as plain base64 (BFL also takes a
 * URL, but our stored references are not public). Kontext gets the ratio; the other models get
 * the pixel size, already snapped to multiples of 32 by `adapt`.
 */
export function submitBody(
  req: GenerationRequest,
  upstreamModel: string,
  options: BflOptions,
  reference?: Buffer,
): Record<string, unknown> {
  const body: Record<string, unknown> = { prompt: req.prompt };
  if (familyOf(upstreamModel) === 'kontext') {
    if (reference) body.input_image = reference.toString('base64');
    body.aspect_ratio = req.aspectRatio;
  } else {
    if (reference) body.image_prompt = reference.toString('base64');
    body.width = req.width;
    body.height = req.height;
    if (takesSampling(upstreamModel)) {
      if (options.steps !== undefined) body.steps = options.steps;
      if (options.guidance !== undefined) body.guidance = options.guidance;
    }
  }
  if (req.seed !== undefined) body.seed = req.seed;
  body.output_format = req.format === 'mp4' ? 'png' : req.format;
  body.safety_tolerance = options.safetyTolerance;
  if (options.promptUpsampling !== undefined) body.prompt_upsampling = options.promptUpsampling;
  return body;
}
