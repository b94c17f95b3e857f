import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { UpstreamError } from '../errors.js';
import type { ProviderContext, ProviderOutput } from '../types.js';
import { lenient, submissionAnswer } from '../upstream-answer.js';
import { ARK_LABEL, arkReportedError } from './errors.js';

/** Any error at all marks the image (or the answer) as failed; its code and message describe it when present. */
const reportedErrorSchema = lenient(
  z.union([
    z.object({ code: lenient(z.string()), message: lenient(z.string()) }),
    z
      .unknown()
      .refine(Boolean)
      .transform(() => ({}) as { code?: string; message?: string }),
  ]),
);

/** One entry of `data`: an image, or the error of that image alone; one that is not an object holds neither. */
const imageItemSchema = z
  .object({
    b64_json: lenient(z.string()),
    url: lenient(z.string()),
    size: lenient(z.string()),
    error: reportedErrorSchema,
  })
  .catch({});
type ArkImageItem = z.infer<typeof imageItemSchema>;

/** An `/images/generations` answer, each field read leniently: one odd field must not lose paid images. */
export const arkImagesSchema = z.object({ data: lenient(z.array(imageItemSchema)), error: reportedErrorSchema });
export type ArkImagesResponse = z.infer<typeof arkImagesSchema>;

const NO_IMAGE = `${ARK_LABEL} returned no image.`;

/** The answer of a 200: anything but an object may still be billed work, so it is ambiguous, never repeated. */
export const readArkImagesAnswer = (body: unknown): ArkImagesResponse =>
  submissionAnswer(arkImagesSchema, body, NO_IMAGE);

/** Seedream 3.0/4.0 return JPEG; newer models can return PNG. The bytes say which. */
function sniffImageType(data: Buffer): string {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return 'image/jpeg';
}

function typeFromUrl(url: string): string {
  const path = URL.canParse(url) ? new URL(url).pathname.toLowerCase() : '';
  if (path.endsWith('.png')) return 'image/png';
  if (path.endsWith('.webp')) return 'image/webp';
  return 'image/jpeg';
}

function sizeOf(item: ArkImageItem, req: GenerationRequest): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(item.size ?? '');
  return match ? { width: Number(match[1]), height: Number(match[2]) } : { width: req.width, height: req.height };
}

/**
 * Inline images go to storage now (the operation must not carry media); signed TOS links (valid
 * 24 h) are downloaded by the engine. Images that failed individually (`data[i].error`) are left
 * out when others succeeded; when none did, the first failure is the job's error.
 */
export async function readArkImages(
  body: ArkImagesResponse,
  req: GenerationRequest,
  ctx: ProviderContext,
): Promise<ProviderOutput[]> {
  const items = body.data ?? [];
  const outputs: ProviderOutput[] = [];
  let firstFailure: ArkImageItem['error'] | undefined;
  for (const item of items) {
    if (item.b64_json) {
      const data = Buffer.from(item.b64_json, 'base64');
      const contentType = sniffImageType(data);
      const source = await ctx.storeOutput(data, contentType);
      outputs.push({ kind: 'image', contentType, source, ...sizeOf(item, req) });
    } else if (item.url) {
      outputs.push({
        kind: 'image',
        contentType: typeFromUrl(item.url),
        source: { type: 'url', url: item.url },
        ...sizeOf(item, req),
      });
    } else if (item.error) {
      firstFailure ??= item.error;
    }
  }
  if (outputs.length > 0) return outputs;
  const reported = firstFailure ?? body.error;
  // The upstream answered 200 and may have billed the call: whatever went wrong, it is not repeated.
  if (reported)
    throw new UpstreamError('rejected', arkReportedError(reported, 'The image could not be generated.'), {
      upstreamCode: reported.code,
    });
  throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: NO_IMAGE });
}
