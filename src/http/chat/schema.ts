import { z } from 'zod';
import { generationFields } from '../generation-fields.js';

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
  user: z.string().nullish(),
  response_format: z.unknown().optional(),
  plain: z
    .boolean()
    .nullish()
    .describe(
      "mediagate: `true` answers in the seed documents' shape only, without `message.images` / `delta.images`.",
    ),
  ...generationFields,
});

export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;
