import { z } from 'zod';
import { webhookUrlField } from '../../webhooks/schemas.js';

/*
 * Request bodies of the Images API, as OpenAI defines them (plus a few mediagate extras). The same
 * schemas validate requests and generate /openapi.json. Form fields arrive as text, so numbers and
 * booleans are read from either form.
 */

const count = z.coerce.number().int().min(1).max(10);
const flag = z.union([z.boolean(), z.enum(['true', 'false'])]);

const imageOptions = {
  prompt: z
    .string()
    .min(1)
    .max(32000)
    .describe('What to generate. Prompt directives (`--ar 16:9`, `--seed 7`, …) work as in chat.'),
  model: z.string().min(1).optional().describe('Any image model from GET /v1/models. Defaults to `gpt-image-1`.'),
  n: count.nullish().describe('Number of images (1–10); snapped to what the model makes per request.'),
  size: z
    .string()
    .regex(/^(auto|\d{2,5}x\d{2,5})$/, 'must be "auto" or look like "1024x1024"')
    .nullish()
    .describe('`WxH` or `auto`. A size the model does not offer is snapped to its nearest supported ratio.'),
  quality: z
    .string()
    .max(32)
    .nullish()
    .describe('`auto`, `high`, `medium`, `low` (GPT image), `hd`, `standard` (DALL·E 3); passed to the upstream.'),
  response_format: z
    .enum(['url', 'b64_json'])
    .nullish()
    .describe(
      '`url`: a link to the stored image. `b64_json`: the bytes inline. Default `b64_json` for `gpt-image-*` models (as OpenAI does), `url` otherwise.',
    ),
  output_format: z.enum(['png', 'jpeg', 'webp']).nullish().describe('Image format; default png.'),
  output_compression: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .nullish()
    .describe('Accepted for compatibility; not sent upstream.'),
  background: z
    .enum(['auto', 'transparent', 'opaque'])
    .nullish()
    .describe(
      'Sent to GPT image models; other upstreams state it as ignored in `adjustments`. `transparent` needs png or webp.',
    ),
  moderation: z.enum(['auto', 'low']).nullish(),
  style: z.string().max(32).nullish(),
  user: z.string().max(256).nullish(),
  stream: flag.nullish().describe('Streaming partial images is not supported; `true` is refused.'),
  partial_images: z.coerce.number().int().min(0).max(3).nullish(),
  aspect_ratio: z.string().max(16).nullish().describe('mediagate: a ratio such as `16:9`, instead of `size`.'),
  seed: z.coerce.number().int().nullish().describe('mediagate: seed for upstreams that take one.'),
  negative_prompt: z.string().max(4000).nullish().describe('mediagate: what to avoid, for upstreams that take it.'),
  webhook_url: webhookUrlField.nullish(),
};

export const imageGenerationBody = z.looseObject(imageOptions).describe('POST /v1/images/generations');

/** An image given by URL (http(s) or data:) in the JSON form of an edit; `file_id` is refused. */
const imageRef = z.union([z.object({ image_url: z.string().min(1) }), z.object({ file_id: z.string().min(1) })]);

export const imageEditForm = z
  .looseObject({
    ...imageOptions,
    image: z
      .array(z.file())
      .min(1)
      .max(16)
      .describe('One or more images to edit, sent as `image` or repeated `image[]` fields.'),
    mask: z
      .file()
      .optional()
      .describe('PNG the size of the first image; its transparent pixels mark the area to change.'),
    input_fidelity: z.enum(['high', 'low']).nullish(),
  })
  .describe('POST /v1/images/edits (multipart/form-data)');

export const imageEditJson = z
  .looseObject({
    ...imageOptions,
    images: z.array(imageRef).min(1).max(16).describe('Images to edit, each `{image_url}` (https or data: URL).'),
    mask: imageRef.optional(),
    input_fidelity: z.enum(['high', 'low']).nullish(),
  })
  .describe('POST /v1/images/edits (application/json)');

export type ImageOptions = z.infer<typeof imageGenerationBody>;

/** One image in the response: a link or the bytes. */
export const imageDatum = z.object({
  url: z.string().optional().describe('Link to the stored image (immutable, served by this gateway).'),
  b64_json: z.string().optional().describe('The image, base64-encoded.'),
});

export const imagesResponse = z
  .object({
    created: z.number().int().describe('Unix seconds when the job was created.'),
    data: z.array(imageDatum),
    size: z.string().optional(),
    output_format: z.enum(['png', 'jpeg', 'webp']).optional(),
    quality: z.string().optional(),
    background: z.string().optional(),
    adjustments: z
      .array(z.string())
      .describe(
        "mediagate: one line per value changed to what the model makes (size, n, format, seed, …), in the prompt's language; empty when nothing was changed.",
      ),
    usage: z
      .object({
        input_tokens: z.number().int(),
        output_tokens: z.number().int(),
        total_tokens: z.number().int(),
        input_tokens_details: z.object({ text_tokens: z.number().int(), image_tokens: z.number().int() }).optional(),
        output_tokens_details: z.object({ text_tokens: z.number().int(), image_tokens: z.number().int() }).optional(),
      })
      .optional()
      .describe('Present when the upstream reports token usage.'),
  })
  .describe('ImagesResponse');

export type ImagesResponse = z.infer<typeof imagesResponse>;
