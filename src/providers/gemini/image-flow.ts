import sharp from 'sharp';
import type { GenerationRequest } from '../../intent/types.js';
import { completed } from '../completed-operation.js';
import { UpstreamError } from '../errors.js';
import { readReferences } from '../reference-data.js';
import type { ProviderContext, ProviderOutput, StartResult } from '../types.js';
import { generateContentBody } from './image-request.js';
import { modelPath } from './request-parts.js';
import { pickImage, readGenerateContent } from './image-response.js';
import type { GeminiOptions } from './options.js';
import { sumUsage, type UsageMetadata } from './usage.js';

/**
 * Native image generation is synchronous: `generateContent` answers with the image inline, so the
 * whole job happens here and returns a completed operation.
 *
 * n > 1: Gemini image models refuse `candidateCount` > 1 ("Multiple candidates is not enabled"),
 * so n images are n calls, sent in parallel — and each call is billed. When some succeed and others
 * fail, the images made are returned: failing the job would throw away paid work, and repeating it
 * would pay for those images twice.
 */
export async function generateImages(
  req: GenerationRequest,
  ctx: ProviderContext,
  options: GeminiOptions,
): Promise<StartResult> {
  const model = ctx.upstreamModel;
  const references = await readReferences(ctx, req.references);
  const body = generateContentBody(req, model, references, options);
  const calls = await Promise.allSettled(Array.from({ length: Math.max(1, req.n) }, () => oneImage(body, model, ctx)));
  const made = calls.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  if (made.length > 0)
    return completed(
      made.map((m) => m.output),
      sumUsage(made.map((m) => m.usage)),
    );
  throw mostFinal(calls.map((c) => (c as PromiseRejectedResult).reason));
}

async function oneImage(
  body: unknown,
  model: string,
  ctx: ProviderContext,
): Promise<{ output: ProviderOutput; usage?: UsageMetadata }> {
  const reply = await ctx.http.json({
    path: `${modelPath(model)}:generateContent`,
    json: body,
    signal: ctx.signal,
  });
  const answer = readGenerateContent(reply.body);
  const image = pickImage(answer);
  // The model decides the pixel size (about 1K, or the asked imageSize); report what it made.
  const meta = await sharp(image.data)
    .metadata()
    .catch(() => undefined);
  if (!meta?.width || !meta.height) {
    throw new UpstreamError('rejected', {
      code: 'upstream_bad_response',
      message: 'Google Gemini returned image data that is not a readable image.',
    });
  }
  const source = await ctx.storeOutput(image.data, image.contentType);
  return {
    output: { kind: 'image', contentType: image.contentType, source, width: meta.width, height: meta.height },
    usage: answer.usageMetadata,
  };
}

/**
 * Every call failed. The job may only be resubmitted if no call could have been accepted, so a
 * final answer (a policy block first, then any refusal or ambiguous answer) outranks a retryable one.
 */
function mostFinal(errors: unknown[]): unknown {
  const upstream = errors.filter((e): e is UpstreamError => e instanceof UpstreamError);
  if (upstream.length < errors.length) return errors.find((e) => !(e instanceof UpstreamError));
  return (
    upstream.find((e) => e.normalised.code === 'content_policy_violation') ??
    upstream.find((e) => e.failure === 'rejected') ??
    upstream.find((e) => e.failure === 'ambiguous') ??
    upstream.find((e) => e.failure === 'key_rejected') ??
    upstream[0]
  );
}
