import type { GenerationRequest } from '../../intent/types.js';
import { completed } from '../completed-operation.js';
import { bearerKeyHeaders } from '../key-headers.js';
import { readReferences } from '../reference-data.js';
import { withoutSeed } from '../snap.js';
import type { Provider, ProviderContext, StartResult } from '../types.js';
import { describeOpenAiError } from './errors.js';
import { editForm, imageFields } from './request.js';
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

  /** The Images API has no seed field. */
  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return withoutSeed(req, upstreamModel);
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const model = ctx.upstreamModel;
    const call =
      req.references.length > 0
        ? { path: 'images/edits', form: editForm(req, model, await readReferences(ctx, req.references)) }
        : { path: 'images/generations', json: imageFields(req, model) };
    const answer = readImagesAnswer((await ctx.http.json({ ...call, signal: ctx.signal })).body);
    return completed(await readImages(answer, req, ctx), readUsage(answer));
  }

  pollIntervalMs(): number {
    return 0;
  }
}
