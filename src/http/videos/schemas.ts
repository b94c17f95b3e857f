import { z } from 'zod';
import { webhookUrlField } from '../../webhooks/schemas.js';
import { videoObject } from '../../api-objects/video-object.js';

/*
 * Request bodies of the Videos API, as OpenAI defines them (plus mediagate extras). The same
 * schemas validate JSON bodies and multipart forms, and generate /openapi.json.
 */

/** OpenAI sends seconds as a string ("4"); a number is accepted too. */
const secondsField = z
  .union([z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'must be a number of seconds such as "4"'), z.number().positive()])
  .describe(
    'Duration in seconds, as OpenAI\'s string ("4") or a number. Default 4; snapped to what the model supports.',
  );

const inputReference = z
  .union([
    z.file().describe('An image file (png, jpeg, webp) the video starts from.'),
    z.object({ image_url: z.string().min(1).describe('https or data: URL of the image.') }),
    z.object({ file_id: z.string().min(1) }).describe('Not supported: upload the file or give image_url.'),
  ])
  .describe('Image to start from: a file in multipart, or `{image_url}`.');

export const videoCreateBody = z
  .looseObject({
    prompt: z
      .string()
      .min(1)
      .max(32000)
      .describe('What to generate. Prompt directives (`16:9`, `--seed 7`, …) work as in chat.'),
    model: z.string().min(1).optional().describe('A video model from GET /v1/models. Defaults to `sora-2`.'),
    seconds: secondsField.optional(),
    size: z
      .string()
      .regex(/^\d{2,5}x\d{2,5}$/, 'must look like "1280x720"')
      .optional()
      .describe(
        '`WxH`. Default 720x1280 (as OpenAI); a size the model does not offer is snapped to its nearest ratio.',
      ),
    input_reference: inputReference.optional(),
    aspect_ratio: z.string().max(16).optional().describe('mediagate: a ratio such as `16:9`, instead of `size`.'),
    seed: z.coerce.number().int().optional().describe('mediagate: seed for upstreams that take one.'),
    negative_prompt: z.string().max(4000).optional().describe('mediagate: what to avoid.'),
    webhook_url: webhookUrlField.optional(),
  })
  .describe('POST /v1/videos');

export type VideoCreateBody = z.infer<typeof videoCreateBody>;

export const videoRemixBody = z
  .looseObject({
    prompt: z
      .string()
      .min(1)
      .max(32000)
      .describe('The new prompt; duration, size, model and reference come from the original.'),
    webhook_url: webhookUrlField.optional(),
  })
  .describe('POST /v1/videos/{video_id}/remix');

/** Path parameter of every /v1/videos/{video_id} route. */
export const videoIdParams = z.object({
  video_id: z
    .string()
    .describe(
      'A video id (`video_…`); a job id (`job_…`) or chat completion id (`chatcmpl-job_…`) of a video job works too.',
    ),
});

export const videoListQuery = z.object({
  after: z.string().max(128).optional().describe('A video id: list the videos after it in `order`.'),
  limit: z.coerce.number().int().min(1).max(100).optional().describe('Page size, 1–100 (default 20).'),
  order: z.enum(['asc', 'desc']).optional().describe('By creation time; default `desc` (newest first).'),
});

export const videoContentQuery = z.object({
  variant: z
    .enum(['video', 'thumbnail', 'spritesheet'])
    .optional()
    .describe('`video` (MP4, default) or `thumbnail` (WebP). `spritesheet` is not offered.'),
});

export const videoList = z
  .object({
    object: z.literal('list'),
    data: z.array(videoObject),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  })
  .describe('VideoList');

export const videoDeleted = z
  .object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.boolean() })
  .describe('DeletedVideo');
