import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { UpstreamError } from '../errors.js';
import type { ProviderContext, ProviderOutput } from '../types.js';
import { lenient, submissionAnswer } from '../upstream-answer.js';

/** One entry of `data`; an entry that is not an object holds no image. */
const imageItemSchema = z.object({ url: lenient(z.string()), b64_json: lenient(z.string()) }).catch({});

/** A `/images/generations` answer (Recraft also sends `created`, `credits` and each `image_id`, unused). */
export const recraftAnswerSchema = z.object({ data: lenient(z.array(imageItemSchema)) });
export type RecraftImagesResponse = z.infer<typeof recraftAnswerSchema>;

// Recraft answered (and charged): repeating could charge again.
const NO_IMAGE = 'Recraft returned no image.';

/** The answer of a 200: anything but an object is ambiguous, never resubmitted. */
export const readRecraftAnswer = (body: unknown): RecraftImagesResponse =>
  submissionAnswer(recraftAnswerSchema, body, NO_IMAGE);

/**
 * Inline images go to storage now (the operation must not carry media); links (valid about a day)
 * are downloaded by the engine straight away.
 */
export async function readImages(
  body: RecraftImagesResponse,
  req: GenerationRequest,
  ctx: ProviderContext,
): Promise<ProviderOutput[]> {
  const items = body.data ?? [];
  const contentType = `image/${req.format}`;
  const size = { width: req.width, height: req.height };
  const outputs: ProviderOutput[] = [];
  for (const item of items) {
    if (item.b64_json) {
      const source = await ctx.storeOutput(Buffer.from(item.b64_json, 'base64'), contentType);
      outputs.push({ kind: 'image', contentType, source, ...size });
    } else if (item.url && /^https?:\/\//i.test(item.url)) {
      outputs.push({ kind: 'image', contentType, source: { type: 'url', url: item.url }, ...size });
    }
  }
  if (outputs.length === 0) {
    throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: NO_IMAGE });
  }
  return outputs;
}
