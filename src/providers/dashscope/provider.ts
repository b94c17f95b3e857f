import type { OptionalField } from '../../intent/adjustments.js';
import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { bearerKeyHeaders } from '../key-headers.js';
import { readOperation } from '../operation.js';
import { defaultPollIntervalMs } from '../polling.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext, StartResult } from '../types.js';
import { DASHSCOPE_LABEL, describeDashScopeError } from './errors.js';
import type { DashScopeOptions } from './options.js';
import { startQwenImageEdit } from './qwen-image-edit.js';
import { adaptQwenImage, qwenImageRefSchema, qwenImageStatus, startQwenImage } from './qwen-image.js';
import { cancelTask } from './task.js';
import { adaptWan, startWan, wanRefSchema, wanStatus } from './wan-video.js';

type Flow = 'qwen-image' | 'qwen-image-edit' | 'wan-video';

/** The operation of an asynchronous flow; qwen-image-edit finishes inside `start`. */
const taskOperationSchema = z.discriminatedUnion('flow', [qwenImageRefSchema, wanRefSchema]);

/** Videos go to Wan; references (or an edit model) to the synchronous multimodal endpoint; the rest to text2image. */
function flowOf(req: GenerationRequest, upstreamModel: string): Flow {
  if (req.kind === 'video') return 'wan-video';
  return req.references.length > 0 || /edit/i.test(upstreamModel) ? 'qwen-image-edit' : 'qwen-image';
}

/** Alibaba DashScope: qwen-image (async task), qwen-image-edit (synchronous) and Wan video (async task). */
export class DashScopeProvider implements Provider {
  readonly protocol = 'dashscope';
  readonly label = DASHSCOPE_LABEL;
  readonly idempotentStart = false;
  readonly describeError = describeDashScopeError;

  constructor(private readonly options: DashScopeOptions) {}

  readonly authHeaders = bearerKeyHeaders;

  /** Wan and Qwen-Image take a seed; Wan also a resolution tier. */
  reads(req: GenerationRequest, upstreamModel: string): readonly OptionalField[] {
    return flowOf(req, upstreamModel) === 'wan-video' ? ['seed', 'resolution'] : ['seed'];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    switch (flowOf(req, upstreamModel)) {
      case 'wan-video':
        return adaptWan(req, upstreamModel, this.options);
      case 'qwen-image':
        return adaptQwenImage(req, upstreamModel);
      case 'qwen-image-edit':
        // The size is snapped the same way; `n` is the catalog's business (edit models take 1–6).
        return { ...adaptQwenImage({ ...req, n: 1 }, upstreamModel), n: req.n };
    }
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    switch (flowOf(req, ctx.upstreamModel)) {
      case 'wan-video':
        return startWan(req, ctx, this.options);
      case 'qwen-image':
        return startQwenImage(req, ctx, this.options);
      case 'qwen-image-edit':
        return startQwenImageEdit(req, ctx, this.options);
    }
  }

  async status(operation: OperationRef, _req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const ref = readOperation(taskOperationSchema, operation, DASHSCOPE_LABEL);
    return ref.flow === 'qwen-image' ? qwenImageStatus(ref, ctx) : wanStatus(ref, ctx);
  }

  async cancel(operation: OperationRef, ctx: ProviderContext): Promise<void> {
    // A finished qwen-image-edit has no task to cancel.
    const ref = taskOperationSchema.safeParse(operation);
    if (ref.success) await cancelTask(ctx, ref.data.taskId);
  }

  pollIntervalMs(attempt: number): number {
    return defaultPollIntervalMs(attempt);
  }
}
