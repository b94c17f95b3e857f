import type { OptionalField } from '../../intent/adjustments.js';
import type { GenerationRequest } from '../../intent/types.js';
import { completed } from '../completed-operation.js';
import { bearerKeyHeaders } from '../key-headers.js';
import type { Provider, ProviderContext, StartResult } from '../types.js';
import { describeRecraftError } from './errors.js';
import { readRecraftOptions, type RecraftOptions } from './options.js';
import { generationBody } from './request.js';
import { readImages, readRecraftAnswer } from './response.js';
import { adaptToRecraft } from './sizes.js';

/** Recraft: synchronous `POST /images/generations`, so `start` does the work and returns the outputs. */
export class RecraftProvider implements Provider {
  readonly protocol = 'recraft';
  readonly label = 'Recraft';
  readonly idempotentStart = false;
  readonly describeError = describeRecraftError;
  private readonly options: RecraftOptions;

  constructor(options: Readonly<Record<string, unknown>>) {
    this.options = readRecraftOptions(options);
  }

  readonly authHeaders = bearerKeyHeaders;

  /** Recraft takes `random_seed`. */
  reads(): readonly OptionalField[] {
    return ['seed'];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToRecraft(req, upstreamModel);
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const reply = await ctx.http.json({
      path: 'images/generations',
      json: generationBody(req, ctx.upstreamModel, this.options),
      signal: ctx.signal,
    });
    return completed(await readImages(readRecraftAnswer(reply.body), req, ctx));
  }

  pollIntervalMs(): number {
    return 0;
  }
}
