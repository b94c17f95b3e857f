import { badRequest } from '../errors/generation-error.js';
import { imagesInHistory, type HistoryImage } from './history-images.js';

export interface UserInput {
  /** Text of the last user message: the prompt, directives included. */
  text: string;
  /** Its image parts, with the request path of each for error messages. */
  imageUrls: { url: string; param: string; source: 'message' }[];
  /**
   * Images of earlier turns, most recent first: candidates for the reference when the last message
   * has none (`pickHistoryReference` decides which counts). Their text is never read.
   */
  history: HistoryImage[];
  /** The request path of the prompt's message (`messages[2].content`), for errors about the prompt. */
  promptParam: string;
}

/** What OpenAI's image endpoints accept for gpt-image-1, and what /v1/images and /v1/videos allow. */
const MAX_PROMPT_CHARS = 32_000;

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The prompt is the last user message. Earlier turns are validated (roles) and searched for images
 * only: their text is not merged into the prompt, since a media model takes one instruction.
 */
export function extractUserInput(messages: unknown[]): UserInput {
  if (messages.length === 0) throw badRequest('messages must contain at least one message.', 'messages');
  let lastUser = -1;
  messages.forEach((message, i) => {
    if (!isObject(message))
      throw badRequest(`messages[${i}] must be an object with "role" and "content".`, `messages[${i}]`);
    if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
      throw badRequest(`messages[${i}].role must be one of system, user, assistant.`, `messages[${i}].role`);
    }
    if (message.role === 'user') lastUser = i;
  });
  if (lastUser === -1)
    throw badRequest('messages needs a user message holding the prompt.', 'messages', 'missing_user_message');

  const content = (messages[lastUser] as Record<string, unknown>).content;
  const base = `messages[${lastUser}].content`;
  const texts: string[] = [];
  const imageUrls: UserInput['imageUrls'] = [];
  if (typeof content === 'string') texts.push(content);
  else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      const param = `${base}[${j}]`;
      if (!isObject(part)) throw badRequest(`${param} must be an object such as {"type":"text","text":"…"}.`, param);
      if (part.type === 'text') {
        if (typeof part.text !== 'string') throw badRequest(`${param}.text must be a string.`, `${param}.text`);
        texts.push(part.text);
      } else if (part.type === 'image_url') {
        const raw =
          typeof part.image_url === 'string'
            ? part.image_url
            : isObject(part.image_url)
              ? part.image_url.url
              : undefined;
        const urlParam = typeof part.image_url === 'string' ? `${param}.image_url` : `${param}.image_url.url`;
        if (typeof raw !== 'string' || raw.trim() === '')
          throw badRequest(`${urlParam} must be an http(s) or data: URL.`, urlParam, 'invalid_image_url');
        const url = raw.trim();
        if (!/^(https?:|data:)/i.test(url))
          throw badRequest(`${urlParam} must be an http(s) or data: URL.`, urlParam, 'invalid_image_url');
        imageUrls.push({ url, param: urlParam, source: 'message' });
      } else {
        throw badRequest(
          `${param}.type "${String(part.type)}" is not supported; use "text" or "image_url".`,
          param,
          'unsupported_content_type',
        );
      }
    });
  } else {
    throw badRequest(`${base} must be a string or an array of content parts.`, base);
  }

  const text = texts.join('\n').trim();
  // The same bound as the Images and Videos APIs' `prompt`: the prompt is stored, reviewed, sent
  // upstream and kept in memory with the finished job, so its size must not be the body limit.
  if (text.length > MAX_PROMPT_CHARS) {
    throw badRequest(
      `The prompt is ${text.length} characters long; the limit is ${MAX_PROMPT_CHARS}.`,
      base,
      'prompt_too_long',
    );
  }
  if (!text) {
    throw badRequest('The last user message has no text prompt; describe what to generate.', base, 'missing_prompt');
  }
  return { text, imageUrls, history: imagesInHistory(messages, lastUser), promptParam: base };
}
