import sharp from 'sharp';
import type { GenerationRequest } from '../../intent/types.js';
import { withAvoidLine } from '../avoid-line.js';
import { dataUrlOf, type ReferenceImage } from '../reference-data.js';
import { ratioOf } from './adapt.js';
import type { VideosOptions } from './options.js';

const FORMATS: Record<string, 'jpeg' | 'png' | 'webp'> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/**
 * Sora refuses a reference whose pixel size differs from `size` ("Inpaint image must match the
 * requested width and height"), so the reference is cropped to the output's shape (centred) and
 * scaled to it. JPEG, PNG and WebP keep their format; anything else becomes PNG.
 */
export async function fitReference(ref: ReferenceImage, width: number, height: number): Promise<ReferenceImage> {
  const format = FORMATS[ref.contentType] ?? 'png';
  const meta = await sharp(ref.data).metadata();
  if (meta.width === width && meta.height === height && FORMATS[ref.contentType]) return ref;
  const data = await sharp(ref.data)
    .rotate()
    .resize(width, height, { fit: 'cover', position: 'centre' })
    .toFormat(format)
    .toBuffer();
  return { data, contentType: `image/${format}` };
}

/** The create fields other than the reference, spelled the way this upstream wants them. */
export function createFields(
  req: GenerationRequest,
  model: string,
  seconds: number,
  options: VideosOptions,
): Record<string, unknown> {
  return {
    ...options.extraFields,
    // The video API has no negative-prompt field.
    prompt: withAvoidLine(req.prompt, req.negativePrompt),
    model,
    [options.durationField]: options.secondsType === 'string' ? String(seconds) : seconds,
    size: options.sizeStyle === 'ratio' ? ratioOf(req.width, req.height) : `${req.width}x${req.height}`,
  };
}

const fileName = (contentType: string) =>
  `reference.${contentType === 'image/jpeg' ? 'jpg' : (contentType.split('/')[1] ?? 'png')}`;

/** multipart/form-data as OpenAI's SDK sends it: every field a string, the reference a file part. */
export function createForm(fields: Record<string, unknown>, reference: ReferenceImage | undefined): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  if (reference)
    form.append(
      'input_reference',
      new Blob([new Uint8Array(reference.data)], { type: reference.contentType }),
      fileName(reference.contentType),
    );
  return form;
}

/** The JSON body: the reference as `{image_url: data URL}`, the documented newer form. */
export function createJson(
  fields: Record<string, unknown>,
  reference: ReferenceImage | undefined,
): Record<string, unknown> {
  if (!reference) return fields;
  return { ...fields, input_reference: { image_url: dataUrlOf(reference) } };
}
