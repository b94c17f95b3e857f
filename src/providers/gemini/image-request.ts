import { GEMINI_SIZES, scaleSizes } from '../../catalog/models.js';
import type { GenerationRequest } from '../../intent/types.js';
import { notingAvoidLine, withAvoidLine } from '../avoid-line.js';
import type { ReferenceImage } from '../reference-data.js';
import { snapRatio } from '../snap.js';
import type { GeminiOptions } from './options.js';

/** Only the Gemini 3 Pro image models take `imageConfig.imageSize`; the others always make about 1K. */
export const takesImageSize = (model: string) => /^(models\/)?gemini-3(\.\d+)?-pro-image/.test(model);

/** `1k`/`2k`/`4k` asked in the request (`resolution: 4k`) wins over the channel's default. */
export function imageSize(req: GenerationRequest, options: GeminiOptions): '1K' | '2K' | '4K' {
  const asked = req.resolution?.toUpperCase();
  return asked === '1K' || asked === '2K' || asked === '4K' ? asked : options.imageSize;
}

/**
 * Snaps the ratio to the documented list (with a note) and sets the pixel size to what Gemini
 * renders for it, so the answer's "Generating … (WxH)" line matches the image that comes back.
 */
export function adaptImageRequest(req: GenerationRequest, model: string, options: GeminiOptions): GenerationRequest {
  const factor = takesImageSize(model) ? { '1K': 1, '2K': 2, '4K': 4 }[imageSize(req, options)] : 1;
  const sizes = factor === 1 ? GEMINI_SIZES : scaleSizes(GEMINI_SIZES, factor);
  const snapped = snapRatio(notingAvoidLine(req, model), model, sizes);
  const [width, height] = sizes[snapped.aspectRatio].split('x').map(Number);
  return width === snapped.width && height === snapped.height ? snapped : { ...snapped, width, height };
}

/**
 * `models/{model}:generateContent` body: one user turn holding the prompt and each reference as
 * inline data, asking for image output at the request's ratio.
 */
export function generateContentBody(
  req: GenerationRequest,
  model: string,
  references: ReferenceImage[],
  options: GeminiOptions,
) {
  const imageConfig: Record<string, string> = { aspectRatio: req.aspectRatio };
  if (takesImageSize(model)) imageConfig.imageSize = imageSize(req, options);
  return {
    contents: [
      {
        role: 'user',
        // Gemini has no negative-prompt field.
        parts: [
          { text: withAvoidLine(req.prompt, req.negativePrompt) },
          ...references.map((r) => ({ inline_data: { mime_type: r.contentType, data: r.data.toString('base64') } })),
        ],
      },
    ],
    generationConfig: {
      responseModalities: options.responseModalities,
      imageConfig,
      ...(req.seed !== undefined && { seed: req.seed }),
    },
  };
}
