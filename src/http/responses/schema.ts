import { z } from 'zod';
import { generationFields } from '../generation-fields.js';

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
      'An earlier response (`resp_<job id>`): its answer is the turn before `input`, so the image it made is the reference when `input` has none and the model takes one (editing in conversation).',
    ),
  background: z.boolean().nullish().describe('Answer at once with the queued response; fetch it with GET.'),
  tools: z
    .array(z.looseObject({ type: z.string() }))
    .nullish()
    .describe(
      'An `image_generation` tool adds `image_generation_call` items (base64 `result`) to the output; its `model`, `size`, `quality`, `output_format` and `background` apply.',
    ),
  user: z.string().nullish(),
  ...generationFields,
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
