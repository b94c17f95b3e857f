import { badRequest, GenerationError } from '../../errors/generation-error.js';
import type { GenerationInput } from '../../generation/prepare-generation.js';
import type { ChatCompletionBody } from '../chat/schema.js';
import { chatToGenerationInput } from '../chat/to-generation-input.js';
import type { EarlierAnswers } from './earlier-answers.js';
import { inputPath, inputToMessages } from './input-messages.js';
import { imageGenerationTool, type ImageGenerationTool, type ResponseCreateBody } from './schema.js';

/** OpenAI's default model for the `image_generation` tool. */
const TOOL_DEFAULT_MODEL = 'gpt-image-1';

/** The request's `image_generation` tool, validated; undefined when it has none. */
export function imageToolOf(body: ResponseCreateBody): ImageGenerationTool | undefined {
  const index = body.tools?.findIndex((tool) => tool.type === 'image_generation') ?? -1;
  if (index === -1) return undefined;
  const parsed = imageGenerationTool.safeParse(body.tools?.[index]);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = [`tools[${index}]`, ...issue.path.map(String)].join('.');
  throw badRequest(`${param}: ${issue.message}.`, param);
}

/**
 * The model that generates: the request's own when it is a media model this gateway serves; otherwise
 * (a chat model such as gpt-4.1 calling the tool) the tool's model, as OpenAI would use it.
 */
export function generatingModel(
  body: ResponseCreateBody,
  tool: ImageGenerationTool | undefined,
  served: readonly string[],
): string {
  if (!tool || served.includes(body.model)) return body.model;
  return tool.model ?? TOOL_DEFAULT_MODEL;
}

const unlessAuto = (value: string | undefined) => (value === 'auto' ? undefined : value);

/**
 * A Responses body in chat terms, then through the chat path: the same prompt, references and
 * explicit fields a chat request with these messages would give. Error params name `input`, not
 * `messages`.
 */
export function responseToGenerationInput(
  body: ResponseCreateBody,
  model: string,
  tool: ImageGenerationTool | undefined,
  requestOrigin?: string,
  earlier?: EarlierAnswers,
): GenerationInput {
  const { messages, sources } = inputToMessages(body.input, earlier);
  const chat: ChatCompletionBody = {
    model,
    messages,
    size: unlessAuto(tool?.size) ?? body.size,
    aspect_ratio: body.aspect_ratio,
    seconds: body.seconds,
    duration: body.duration,
    n: body.n,
    quality: unlessAuto(tool?.quality) ?? body.quality,
    seed: body.seed,
    resolution: body.resolution,
    negative_prompt: body.negative_prompt,
    output_format: tool?.output_format ?? body.output_format,
    use_history_image: body.use_history_image,
  };
  try {
    const input = chatToGenerationInput(chat, requestOrigin);
    // Reference errors (an unreachable URL, a broken image) are raised later and name these params.
    const references = input.references.map((ref) => ({ ...ref, param: inputPath(ref.param, sources) }));
    const history = input.history?.map((image) => ({ ...image, param: inputPath(image.param, sources) }));
    const promptParam = input.promptParam && inputPath(input.promptParam, sources);
    return { ...input, references, ...(history && { history }), ...(promptParam && { promptParam }) };
  } catch (error) {
    if (!(error instanceof GenerationError)) throw error;
    throw new GenerationError(
      error.code,
      inputPath(error.message, sources),
      error.param === null ? null : inputPath(error.param, sources),
      error.retryAdvice,
    );
  }
}
