import type { GenerationRequest } from '../../intent/types.js';
import { completedOperation, completedStatus } from '../completed-operation.js';
import { UpstreamError } from '../errors.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext } from '../types.js';
import { describeRecraftError } from './errors.js';
import { readRecraftOptions, type RecraftOptions } from './options.js';
import { generationBody } from './request.js';
import { readImages, type RecraftImagesResponse } from './response.js';
import { adaptToRecraft } from './sizes.js';

/** Recraft: synchronous `POST /images/generations`, so `start` does the work and returns a completed operation. */
export class RecraftProvider implements Provider {
  readonly protocol = 'recraft';
  readonly label = 'Recraft';
  readonly idempotentStart = false;
  readonly describeError = describeRecraftError;
  private readonly options: RecraftOptions;

  constructor(options: Readonly<Record<string, unknown>>) {
    this.options = readRecraftOptions(options);
  }

  authHeaders(apiKey: string): Record<string, string> {
    return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToRecraft(req, upstreamModel);
  }

  async start(request: GenerationRequest, ctx: ProviderContext): Promise<OperationRef> {
    const req = adaptToRecraft(request, ctx.upstreamModel);
    const reply = await ctx.http.json<RecraftImagesResponse | null>({
      path: 'images/generations',
      json: generationBody(req, ctx.upstreamModel, this.options),
      signal: ctx.signal,
    });
    return completedOperation(await readImages(reply.body, req, ctx));
  }

  async status(operation: OperationRef): Promise<OperationStatus> {
    const done = completedStatus(operation);
    if (!done) throw new UpstreamError('rejected', { code: 'internal_error', message: 'A Recraft job has no stored result.' });
    return done;
  }

  pollIntervalMs(): number {
    return 0;
  }
}
