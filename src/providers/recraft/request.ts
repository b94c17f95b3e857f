import type { GenerationRequest } from '../../intent/types.js';
import type { RecraftOptions } from './options.js';

/** The JSON body of `POST /images/generations`; the request is already snapped by `adaptToRecraft`. */
export function generationBody(
  req: GenerationRequest,
  upstreamModel: string,
  options: RecraftOptions,
): Record<string, unknown> {
  return {
    prompt: req.prompt,
    model: upstreamModel,
    ...(options.styleId ? { style_id: options.styleId } : { style: options.style }),
    ...(options.substyle && { substyle: options.substyle }),
    n: req.n,
    size: `${req.width}x${req.height}`,
    ...(req.negativePrompt !== undefined && { negative_prompt: req.negativePrompt }),
    ...(req.seed !== undefined && { random_seed: req.seed }),
    image_format: req.format,
    response_format: options.responseFormat,
  };
}
