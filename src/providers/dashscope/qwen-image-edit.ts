import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { completed } from '../completed-operation.js';
import { UpstreamError } from '../errors.js';
import { referenceDataUrl } from '../reference-data.js';
import type { ProviderContext, ProviderOutput, StartResult } from '../types.js';
import { lenient, submissionAnswer } from '../upstream-answer.js';
import { DASHSCOPE_LABEL, dashScopeCall } from './errors.js';
import { imageTypeOf } from './image-type.js';
import { qwenImageSize } from './image-sizes.js';
import type { DashScopeOptions } from './options.js';
import { apiUrl } from './task.js';

/*
 * qwen-image-edit: synchronous multimodal generation. `POST services/aigc/multimodal-generation/generation`
 * WITHOUT the async header; the reference(s) and the instruction go in one user message; the answer
 * carries result links (kept 24 h), which the job engine downloads. So `start` finishes the job.
 */

const PATH = 'services/aigc/multimodal-generation/generation';
/** qwen-image-edit takes one image; the -plus and later models up to three. */
const MAX_IMAGES = 3;

/** An entry of the answer's content that is not an object holds no image. */
const contentPartSchema = z.object({ image: lenient(z.string()) }).catch({});

/** The multimodal answer, only the fields read here, each leniently: one odd field must not lose paid images. */
const multimodalReplySchema = z.object({
  output: lenient(
    z.object({
      choices: lenient(
        z.array(z.object({ message: lenient(z.object({ content: lenient(z.array(contentPartSchema)) })) }).catch({})),
      ),
    }),
  ),
  usage: lenient(z.object({ width: lenient(z.number()), height: lenient(z.number()) })),
});
type MultimodalReply = z.infer<typeof multimodalReplySchema>;

// The call was answered (and billed) without an image: repeating it is not safe.
const NO_IMAGE = `${DASHSCOPE_LABEL} returned no image.`;

export async function qwenImageEditBody(
  req: GenerationRequest,
  model: string,
  ctx: ProviderContext,
  options: DashScopeOptions,
) {
  // Every DashScope image field takes a `data:` URL besides public links.
  const images = await Promise.all(
    req.references.slice(0, MAX_IMAGES).map(async (r) => ({ image: await referenceDataUrl(ctx, r) })),
  );
  return {
    model,
    input: { messages: [{ role: 'user', content: [...images, { text: req.prompt }] }] },
    parameters: {
      n: req.n,
      size: qwenImageSize(req).size,
      ...(req.negativePrompt && { negative_prompt: req.negativePrompt }),
      ...(req.seed !== undefined && { seed: req.seed }),
      watermark: options.watermark,
    },
  };
}

export async function startQwenImageEdit(
  req: GenerationRequest,
  ctx: ProviderContext,
  options: DashScopeOptions,
): Promise<StartResult> {
  if (req.references.length === 0) {
    // The catalog refuses this before a job exists; a channel mapping a text-to-image name here must not call out.
    throw new UpstreamError('rejected', {
      code: 'reference_image_required',
      message: `${ctx.upstreamModel} needs a reference image.`,
    });
  }
  const body = await qwenImageEditBody(req, ctx.upstreamModel, ctx, options);
  const reply = await dashScopeCall(() =>
    ctx.http.json({ path: apiUrl(ctx.http, PATH), json: body, signal: ctx.signal }),
  );
  return completed(readImages(submissionAnswer(multimodalReplySchema, reply.body, NO_IMAGE), req));
}

function readImages(body: MultimodalReply, req: GenerationRequest): ProviderOutput[] {
  const content = body.output?.choices?.[0]?.message?.content ?? [];
  const links = content.flatMap((part) => (part.image ? [part.image] : []));
  if (links.length === 0) {
    throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: NO_IMAGE });
  }
  const size = qwenImageSize(req);
  const width = body.usage?.width ?? size.width;
  const height = body.usage?.height ?? size.height;
  return links.map((url) => ({
    kind: 'image',
    contentType: imageTypeOf(url),
    source: { type: 'url', url },
    width,
    height,
  }));
}
