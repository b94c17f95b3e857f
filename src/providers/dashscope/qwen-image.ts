import { z } from 'zod';
import type { GenerationRequest } from '../../intent/types.js';
import { upstreamFailed } from '../errors.js';
import { pending } from '../completed-operation.js';
import { adjusted } from '../snap.js';
import type { OperationStatus, ProviderContext, ProviderOutput, StartResult } from '../types.js';
import { DASHSCOPE_LABEL, taskFailure } from './errors.js';
import { adaptImageSize, qwenImageSize } from './image-sizes.js';
import { imageTypeOf } from './image-type.js';
import type { DashScopeOptions } from './options.js';
import { fetchTask, submitTask, taskRefFields, taskState, type TaskReply } from './task.js';

/*
 * qwen-image: asynchronous text-to-image. `POST services/aigc/text2image/image-synthesis` with
 * `X-DashScope-Async: enable` creates a task; `GET tasks/{id}` reports it; each result is a link
 * (kept 24 h) or a per-image `{code, message}`.
 */

const PATH = 'services/aigc/text2image/image-synthesis';
/** How long a qwen-image task usually takes, for the progress estimate. */
const EXPECTED_MS = 15_000;

export const qwenImageRefSchema = z.object({
  flow: z.literal('qwen-image'),
  ...taskRefFields,
  width: z.number(),
  height: z.number(),
});
export type QwenImageRef = z.infer<typeof qwenImageRefSchema>;

/** One image per task: qwen-image takes only `n: 1`. */
export function adaptQwenImage(req: GenerationRequest, upstreamModel: string): GenerationRequest {
  const sized = adaptImageSize(req, upstreamModel);
  if (sized.n <= 1) return sized;
  return adjusted({ ...sized, n: 1 }, { kind: 'single_image', model: upstreamModel });
}

export function qwenImageBody(req: GenerationRequest, model: string, options: DashScopeOptions) {
  const { size } = qwenImageSize(req);
  return {
    model,
    input: { prompt: req.prompt, ...(req.negativePrompt && { negative_prompt: req.negativePrompt }) },
    parameters: {
      size,
      n: 1,
      prompt_extend: options.promptExtend,
      watermark: options.watermark,
      ...(req.seed !== undefined && { seed: req.seed }),
    },
  };
}

export async function startQwenImage(
  req: GenerationRequest,
  ctx: ProviderContext,
  options: DashScopeOptions,
): Promise<StartResult> {
  const body = qwenImageBody(req, ctx.upstreamModel, options);
  const taskId = await submitTask(ctx, PATH, body);
  const { width, height } = qwenImageSize(req);
  const ref: QwenImageRef = {
    flow: 'qwen-image',
    taskId,
    submittedAt: Date.now(),
    model: ctx.upstreamModel,
    width,
    height,
  };
  return pending(ref);
}

export async function qwenImageStatus(ref: QwenImageRef, ctx: ProviderContext): Promise<OperationStatus> {
  const state = taskState(await fetchTask(ctx, ref.taskId), ref, EXPECTED_MS);
  return state.state === 'succeeded' ? readResults(state.reply, ref) : state;
}

function readResults(reply: TaskReply, ref: QwenImageRef): OperationStatus {
  const results = reply.output.results ?? [];
  const outputs: ProviderOutput[] = results.flatMap(({ url }) =>
    url
      ? [
          {
            kind: 'image',
            contentType: imageTypeOf(url),
            source: { type: 'url', url },
            width: ref.width,
            height: ref.height,
          },
        ]
      : [],
  );
  if (outputs.length > 0) return { state: 'succeeded', outputs };
  // Every image failed on its own (e.g. DataInspectionFailed on the result).
  const failed = results.find((r) => r.code || r.message);
  if (failed) return { state: 'failed', error: taskFailure(failed.code, failed.message) };
  return {
    state: 'failed',
    error: upstreamFailed(
      'upstream_bad_response',
      `${DASHSCOPE_LABEL} reported task ${ref.taskId} SUCCEEDED without any image.`,
    ),
  };
}
