import { z } from 'zod';

const numberLike = z.union([z.number(), z.string()]);

/**
 * What the official client and the AI SDK send to `POST /v1/responses`. Unknown fields (temperature,
 * store, reasoning, …) pass through and are ignored; `input` items are validated in detail when they
 * are turned into chat messages, where each bad part can be named.
 */
export const responseCreateBody = z.looseObject({
  model: z.string().min(1, 'must be a model name such as "gpt-image-1" or "sora-2"'),
  input: z
    .union([z.string(), z.array(z.unknown()).min(1, 'must contain at least one item')])
    .describe(
      'The prompt as a string, or messages whose `input_text` parts are the prompt and `input_image` parts (`image_url`) the references; the last user message is the prompt.',
    ),
  instructions: z.string().nullish().describe('Ignored: a media model has no system prompt.'),
  stream: z.boolean().nullish(),
  previous_response_id: z
    .string()
    .nullish()
    .describe(
      'The image that response made is the reference, when `input` has no image and the model takes one (`resp_<job id>`).',
    ),
  background: z.boolean().nullish().describe('Answer at once with the queued response; fetch it with GET.'),
  tools: z
    .array(z.looseObject({ type: z.string() }))
    .nullish()
    .describe(
      'An `image_generation` tool adds `image_generation_call` items (base64 `result`) to the output; its `model`, `size`, `quality`, `output_format` and `background` apply.',
    ),
  user: z.string().nullish(),
  size: z.string().nullish(),
  aspect_ratio: z.string().nullish(),
  seconds: numberLike.nullish(),
  duration: numberLike.nullish(),
  n: z.number().int().nullish(),
  quality: z.string().nullish(),
  seed: z.number().int().nullish(),
  resolution: z.string().nullish(),
  negative_prompt: z.string().nullish(),
  output_format: z.string().nullish(),
  use_history_image: z
    .boolean()
    .nullish()
    .describe(
      "As in chat: when the last user message has no image, the conversation's most recent image is the reference for a model that takes one; `false` turns this off.",
    ),
});

export type ResponseCreateBody = z.infer<typeof responseCreateBody>;

/** The `image_generation` tool's options that mean something to a media model; the rest are ignored. */
export const imageGenerationTool = z.looseObject({
  type: z.literal('image_generation'),
  model: z.string().min(1).optional(),
  size: z.string().optional(),
  quality: z.string().optional(),
  output_format: z.enum(['png', 'jpeg', 'webp']).optional(),
  background: z.enum(['transparent', 'opaque', 'auto']).optional(),
});

export type ImageGenerationTool = z.infer<typeof imageGenerationTool>;

export const responseIdParams = z.object({
  response_id: z.string().describe('A response id (`resp_<job id>`) or a job id.'),
});
