import type { GenerationRequest } from '../../intent/types.js';
import { completed } from '../completed-operation.js';
import { bearerKeyHeaders } from '../key-headers.js';
import { readReference, readReferences } from '../reference-data.js';
import type { OptionalField } from '../../intent/adjustments.js';
import { notingAvoidLine } from '../avoid-line.js';
import { adjusted } from '../snap.js';
import type { Provider, ProviderContext, StartResult } from '../types.js';
import { describeOpenAiError } from './errors.js';
import { editForm, imageFields, isDallE, upstreamQuality } from './request.js';
import { readImages, readImagesAnswer, readUsage } from './response.js';

/**
 * OpenAI Images (`/images/generations`, `/images/edits`): synchronous, so `start` does the whole
 * generation and returns a completed operation. References turn a generation into a multi-image edit.
 */
export class OpenAiImagesProvider implements Provider {
  readonly protocol = 'openai-images';
  readonly label = 'OpenAI';
  readonly idempotentStart = false;
  readonly describeError = describeOpenAiError;

  readonly authHeaders = bearerKeyHeaders;

  /** No seed field; DALL·E 3 has no background or mask either (and no edits). */
  reads(_req: GenerationRequest, upstreamModel: string): readonly OptionalField[] {
    return isDallE(upstreamModel) ? ['quality'] : ['quality', 'background', 'mask'];
  }

  /** A quality the model does not offer becomes the one it does (DALL·E 3: `hd` or `standard`), stated. */
  adapt(request: GenerationRequest, upstreamModel: string): GenerationRequest {
    const req = notingAvoidLine(request, upstreamModel);
    if (req.quality === undefined) return req;
    const used = upstreamQuality(upstreamModel, req.quality);
    if (used === req.quality.toLowerCase()) return used === req.quality ? req : { ...req, quality: used };
    const { quality: asked, ...rest } = req;
    return used === undefined
      ? adjusted(rest, { kind: 'field_ignored', model: upstreamModel, field: 'quality' })
      : adjusted({ ...rest, quality: used }, { kind: 'quality_changed', model: upstreamModel, asked, used });
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const model = ctx.upstreamModel;
    const call =
      req.references.length > 0
        ? {
            path: 'images/edits',
            form: editForm(
              req,
              model,
              await readReferences(ctx, req.references),
              req.mask && (await readReference(ctx, req.mask)),
            ),
          }
        : { path: 'images/generations', json: imageFields(req, model) };
    const answer = readImagesAnswer((await ctx.http.json({ ...call, signal: ctx.signal })).body);
    return completed(await readImages(answer, req, ctx), readUsage(answer));
  }

  pollIntervalMs(): number {
    return 0;
  }
}
