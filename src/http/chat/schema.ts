import { z } from 'zod';

const numberLike = z.union([z.number(), z.string()]);

/**
 * What the OpenAI SDK and the seed documents send. Unknown fields (temperature, top_p, …) pass
 * through and are ignored; message contents are validated in detail by the intent layer, which
 * knows how to name the offending part.
 */
export const chatCompletionBody = z.looseObject({
  model: z.string().min(1, 'must be a model name such as "sora-2"'),
  messages: z.array(z.unknown()).min(1, 'must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().nullish(),
  n: z.number().int().nullish(),
  user: z.string().nullish(),
  size: z.string().nullish(),
  aspect_ratio: z.string().nullish(),
  seconds: numberLike.nullish(),
  duration: numberLike.nullish(),
  quality: z.string().nullish(),
  seed: z.number().int().nullish(),
  resolution: z.string().nullish(),
  negative_prompt: z.string().nullish(),
  output_format: z.string().nullish(),
  response_format: z.unknown().optional(),
  plain: z
    .boolean()
    .nullish()
    .describe(
      "mediagate: `true` answers in the seed documents' shape only, without `message.images` / `delta.images`.",
    ),
  use_history_image: z
    .boolean()
    .nullish()
    .describe(
      'Editing in conversation: when the last user message has no image, the most recent image of the conversation (an earlier image part, or an image this gateway produced) is the reference for a model that takes one. `false` turns this off.',
    ),
});

export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;
