import type { GenerationRequest } from '../../intent/types.js';
import { klingDuration } from './adapt.js';
import { isImageOnly, takesCfgScale } from './models.js';
import type { KlingOptions } from './options.js';

export type KlingEndpoint = 'text2video' | 'image2video';

export interface KlingCall {
  endpoint: KlingEndpoint;
  model: string;
  body: Record<string, unknown>;
}

/**
 * `POST /v1/videos/text2video` or `/image2video`. The reference goes as raw base64 (Kling refuses
 * a `data:` prefix); image-to-video takes no `aspect_ratio` (the video follows the image).
 * `external_task_id` is sent when given.
 */
export function createCall(
  req: GenerationRequest,
  upstreamModel: string,
  options: KlingOptions,
  reference?: Buffer,
  externalTaskId?: string,
): KlingCall {
  const endpoint: KlingEndpoint = reference ? 'image2video' : 'text2video';
  const model = !reference && isImageOnly(upstreamModel) ? options.textModel : upstreamModel;
  const body: Record<string, unknown> = { model_name: model, prompt: req.prompt };
  if (reference) body.image = reference.toString('base64');
  if (req.negativePrompt !== undefined) body.negative_prompt = req.negativePrompt;
  if (options.cfgScale !== undefined && takesCfgScale(model)) body.cfg_scale = options.cfgScale;
  body.mode = options.mode;
  if (!reference) body.aspect_ratio = req.aspectRatio;
  body.duration = klingDuration(req, model);
  // Ours, unique per account and derived from the job: a create whose answer is lost is found by it.
  if (externalTaskId) body.external_task_id = externalTaskId;
  return { endpoint, model, body };
}
