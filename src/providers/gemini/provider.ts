import type { OptionalField } from '../../intent/adjustments.js';
import type { GenerationRequest } from '../../intent/types.js';
import { readOperation } from '../operation.js';
import { keyHeaderNamed } from '../key-headers.js';
import { defaultPollIntervalMs } from '../polling.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext, StartResult } from '../types.js';
import { describeGeminiError } from './errors.js';
import { generateImages } from './image-flow.js';
import { adaptImageRequest, takesImageSize } from './image-request.js';
import type { GeminiOptions } from './options.js';
import { pollVeo, startVeo } from './veo-flow.js';
import { veoOperationSchema } from './veo-operation.js';
import { adaptVeoRequest } from './veo-request.js';

/**
 * The Gemini Developer API, two flows behind one key: native image generation (synchronous
 * `generateContent`, see image-*.ts) and Veo video (`predictLongRunning` plus operation polling,
 * see veo-*.ts). The request's kind picks the flow.
 */
export class GeminiProvider implements Provider {
  readonly protocol = 'gemini';
  readonly label = 'Google Gemini';
  readonly idempotentStart = false;
  readonly describeError = describeGeminiError;

  constructor(private readonly options: GeminiOptions) {}

  readonly authHeaders = keyHeaderNamed('x-goog-api-key');

  /**
   * Gemini image models take a seed, and the Gemini 3 Pro ones an image size (`resolution: 2k`);
   * Veo a resolution, and no seed through the Gemini API (see veo-request.ts).
   */
  reads(request: GenerationRequest, upstreamModel: string): readonly OptionalField[] {
    if (request.kind === 'video') return ['resolution'];
    return takesImageSize(upstreamModel) ? ['seed', 'resolution'] : ['seed'];
  }

  adapt(request: GenerationRequest, upstreamModel: string): GenerationRequest {
    return request.kind === 'video'
      ? adaptVeoRequest(request, upstreamModel, this.options)
      : adaptImageRequest(request, upstreamModel, this.options);
  }

  start(request: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    return request.kind === 'video' ? startVeo(request, ctx, this.options) : generateImages(request, ctx, this.options);
  }

  async status(operation: OperationRef, _request: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    return pollVeo(readOperation(veoOperationSchema, operation, this.label), ctx, this.options);
  }

  /** Images finish inside `start`; Veo takes 11 s to minutes, so the default schedule is polite and prompt enough. */
  pollIntervalMs(attempt: number, request: GenerationRequest): number {
    return request.kind === 'video' ? defaultPollIntervalMs(attempt) : 0;
  }
}
