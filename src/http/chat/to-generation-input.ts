import { extractUserInput } from '../../intent/index.js';
import type { ExplicitFields } from '../../intent/types.js';
import type { GenerationInput } from '../../generation/prepare-generation.js';
import type { ChatCompletionBody } from './schema.js';

function explicitFields(body: ChatCompletionBody): ExplicitFields {
  const fields: ExplicitFields = {};
  const copy = <K extends keyof ExplicitFields>(key: K, value: ExplicitFields[K] | null | undefined) => {
    if (value !== null && value !== undefined) fields[key] = value;
  };
  copy('size', body.size);
  copy('aspect_ratio', body.aspect_ratio);
  copy('seconds', body.seconds);
  copy('duration', body.duration);
  copy('n', body.n);
  copy('quality', body.quality);
  copy('seed', body.seed);
  copy('resolution', body.resolution);
  copy('negative_prompt', body.negative_prompt);
  copy('output_format', body.output_format);
  return fields;
}

/**
 * A chat body in the pipeline's terms: the last user message is the prompt, its images the
 * references; earlier turns' images are offered for editing in conversation unless
 * `use_history_image: false`. `requestOrigin` is where the request arrived (its own media links).
 */
export function chatToGenerationInput(body: ChatCompletionBody, requestOrigin?: string): GenerationInput {
  const input = extractUserInput(body.messages);
  return {
    model: body.model,
    text: input.text,
    references: input.imageUrls,
    explicit: explicitFields(body),
    ...(body.use_history_image !== false && { history: input.history }),
    ...(requestOrigin && { requestOrigin }),
    promptParam: input.promptParam,
  };
}
