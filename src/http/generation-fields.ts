import { z } from 'zod';

const numberLike = z.union([z.number(), z.string()]);

/**
 * The generation fields a conversation-shaped body takes besides its messages (chat completions and
 * the Responses API): they win over directives in the prompt. One definition, so the two APIs take
 * exactly the same ones.
 */
export const generationFields = {
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
      'Editing in conversation: when the last user message has no image, the most recent image of the conversation (an earlier image part, or an image this gateway produced) is the reference for a model that takes one. `false` turns this off.',
    ),
};
