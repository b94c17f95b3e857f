import type { GenerationRequest } from '../../intent/types.js';
import { withAvoidLine } from '../avoid-line.js';
import type { ReferenceImage } from '../reference-data.js';

export const isDallE = (model: string) => model.startsWith('dall-e');

/** The quality the model offers for `asked`: DALL·E 3 `hd`/`standard`, GPT image `low`/`medium`/`high`/`auto`; undefined for none. */
export function upstreamQuality(model: string, asked: string | undefined): string | undefined {
  if (!asked) return undefined;
  const q = asked.toLowerCase();
  if (isDallE(model)) return q === 'high' || q === 'hd' ? 'hd' : 'standard';
  return ['low', 'medium', 'high', 'auto'].includes(q) ? q : q === 'hd' ? 'high' : undefined;
}

/** Fields shared by generations (JSON) and edits (multipart). */
export function imageFields(req: GenerationRequest, model: string): Record<string, string | number> {
  // The images API has no negative-prompt field.
  const fields: Record<string, string | number> = {
    model,
    prompt: withAvoidLine(req.prompt, req.negativePrompt),
    n: req.n,
    size: `${req.width}x${req.height}`,
  };
  const q = upstreamQuality(model, req.quality);
  if (q) fields.quality = q;
  // GPT image models take `background`; DALL·E has no such field.
  if (req.background !== undefined && !isDallE(model)) fields.background = req.background;
  if (isDallE(model)) {
    // DALL·E returns links by default; inline data avoids a second download that can expire.
    fields.response_format = 'b64_json';
  } else if (req.format !== 'mp4') {
    fields.output_format = req.format;
  }
  return fields;
}

/** Multi-image edit: every reference as a repeated `image[]` part, as the official SDK sends them, and the mask. */
export function editForm(
  req: GenerationRequest,
  model: string,
  references: ReferenceImage[],
  mask?: ReferenceImage,
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(imageFields(req, model))) form.append(name, String(value));
  references.forEach((ref, i) => {
    const ext = ref.contentType.split('/')[1] ?? 'png';
    form.append(
      'image[]',
      new Blob([new Uint8Array(ref.data)], { type: ref.contentType }),
      `reference-${i + 1}.${ext === 'jpeg' ? 'jpg' : ext}`,
    );
  });
  if (mask) form.append('mask', new Blob([new Uint8Array(mask.data)], { type: 'image/png' }), 'mask.png');
  return form;
}
