import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { UpstreamError } from '../errors.js';
import type { ProviderContext, ProviderOutput, UpstreamUsage } from '../types.js';
import { lenient, submissionAnswer } from '../upstream-answer.js';

/** One entry of `data`; an entry that is not an object holds no image. */
const imageItemSchema = z.object({ b64_json: lenient(z.string()), url: lenient(z.string()) }).catch({});

/** An Images API answer; `usage` is checked field by field in readUsage. */
export const imagesAnswerSchema = z.object({
  data: lenient(z.array(imageItemSchema)),
  output_format: lenient(z.string()),
  usage: z.unknown().optional(),
});
type ImagesResponse = z.infer<typeof imagesAnswerSchema>;

// The upstream answered 200, so it may have done (and billed) the work: not worth repeating.
const NO_IMAGE = 'OpenAI returned no image.';

/** The answer of a 200: anything but an object is ambiguous, never resubmitted. */
export const readImagesAnswer = (body: unknown): ImagesResponse => submissionAnswer(imagesAnswerSchema, body, NO_IMAGE);

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** `{text_tokens, image_tokens}` when both are counts; anything else is left out. */
function tokenDetails(value: unknown): { text_tokens: number; image_tokens: number } | undefined {
  const v = value as Record<string, unknown> | null | undefined;
  return v && isCount(v.text_tokens) && isCount(v.image_tokens)
    ? { text_tokens: v.text_tokens, image_tokens: v.image_tokens }
    : undefined;
}

/**
 * The token usage GPT image models report (dall-e-3 reports none), passed through to our own
 * `usage`. A malformed one is dropped rather than failing a paid generation.
 */
export function readUsage(body: ImagesResponse): UpstreamUsage | undefined {
  const u = body.usage as Record<string, unknown> | null | undefined;
  if (!u || !isCount(u.input_tokens) || !isCount(u.output_tokens) || !isCount(u.total_tokens)) return undefined;
  const input = tokenDetails(u.input_tokens_details);
  const output = tokenDetails(u.output_tokens_details);
  return {
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    total_tokens: u.total_tokens,
    ...(input && { input_tokens_details: input }),
    ...(output && { output_tokens_details: output }),
  };
}

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** Inline images go to storage now (the operation must not carry media); links are downloaded by the engine. */
export async function readImages(
  body: ImagesResponse,
  req: GenerationRequest,
  ctx: ProviderContext,
): Promise<ProviderOutput[]> {
  const items = body.data ?? [];
  const contentType = CONTENT_TYPES[body.output_format ?? (req.format === 'mp4' ? 'png' : req.format)] ?? 'image/png';
  const outputs: ProviderOutput[] = [];
  for (const item of items) {
    const size = { width: req.width, height: req.height };
    if (item.b64_json) {
      const source = await ctx.storeOutput(Buffer.from(item.b64_json, 'base64'), contentType);
      outputs.push({ kind: 'image', contentType, source, ...size });
    } else if (item.url) {
      outputs.push({ kind: 'image', contentType, source: { type: 'url', url: item.url }, ...size });
    }
  }
  if (outputs.length === 0) {
    // The upstream accepted (and billed) the call but returned nothing usable: not worth repeating.
    throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: NO_IMAGE });
  }
  return outputs;
}
