import { badRequest } from '../../errors/generation-error.js';
import type { EarlierAnswers } from './earlier-answers.js';

/** Chat messages made from a Responses `input`, with the `input` index each message came from. */
export interface InputMessages {
  messages: { role: string; content: string | unknown[] }[];
  /** `sources[k]` is the index in `input` of `messages[k]`; -1 when `input` was a string. */
  sources: number[];
}

/** Items that are conversation history a media model has no use for; skipped, not refused. */
const HISTORY_ITEMS = new Set(['reasoning', 'item_reference', 'image_generation_call']);

/** `sources` of the assistant message made from `previous_response_id`. */
const PREVIOUS_RESPONSE = -2;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One content part in the chat form (`text` / `image_url`), which the chat intent path reads. */
function toChatPart(part: unknown, param: string): unknown {
  if (!isObject(part)) throw badRequest(`${param} must be an object such as {"type":"input_text","text":"…"}.`, param);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: typeof part.refusal === 'string' ? part.refusal : '' };
    case 'input_image': {
      if (typeof part.file_id === 'string' && part.image_url === undefined) {
        throw badRequest(
          `${param}.file_id is not supported: mediagate has no Files API. Send the image as image_url (an http(s) or data: URL).`,
          `${param}.file_id`,
          'unsupported_content_type',
        );
      }
      if (typeof part.image_url !== 'string') {
        throw badRequest(
          `${param}.image_url must be an http(s) or data: URL.`,
          `${param}.image_url`,
          'invalid_image_url',
        );
      }
      return { type: 'image_url', image_url: part.image_url };
    }
    default:
      throw badRequest(
        `${param}.type "${String(part.type)}" is not supported; use "input_text" or "input_image".`,
        param,
        'unsupported_content_type',
      );
  }
}

/**
 * A Responses `input` as chat messages, so the chat intent path (prompt from the last user message,
 * references from its images and, where supported, the conversation) reads both APIs the same way.
 */
export function inputToMessages(
  input: string | unknown[],
  earlier: EarlierAnswers = { byItemId: new Map() },
): InputMessages {
  const messages: InputMessages['messages'] = [];
  const sources: number[] = [];
  if (earlier.previous) {
    messages.push({ role: 'assistant', content: earlier.previous });
    sources.push(PREVIOUS_RESPONSE);
  }
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
    sources.push(-1);
    return { messages, sources };
  }
  input.forEach((item, i) => {
    const param = `input[${i}]`;
    if (!isObject(item)) throw badRequest(`${param} must be a message such as {"role":"user","content":"…"}.`, param);
    const type = item.type ?? 'message';
    const referenced =
      type === 'item_reference' && typeof item.id === 'string' ? earlier.byItemId.get(item.id) : undefined;
    if (referenced !== undefined) {
      messages.push({ role: 'assistant', content: referenced });
      sources.push(i);
      return;
    }
    if (typeof type === 'string' && HISTORY_ITEMS.has(type)) return;
    if (type !== 'message') {
      throw badRequest(
        `${param}.type "${String(type)}" is not supported; send messages with input_text and input_image parts.`,
        `${param}.type`,
        'unsupported_content_type',
      );
    }
    const content = Array.isArray(item.content)
      ? item.content.map((part, j) => toChatPart(part, `${param}.content[${j}]`))
      : item.content;
    messages.push({ role: item.role as string, content: content as string | unknown[] });
    sources.push(i);
  });
  if (messages.length === 0)
    throw badRequest('input needs a user message holding the prompt.', 'input', 'missing_user_message');
  return { messages, sources };
}

/** Renames a chat path (`messages[2].content[0]`) to the `input` path the client sent. */
export function inputPath(chatPath: string, sources: number[]): string {
  return chatPath.replace(/messages\[(\d+)\](\.content)?/g, (_, k: string, content: string | undefined) => {
    const source = sources[Number(k)];
    if (source === -1) return 'input';
    if (source === PREVIOUS_RESPONSE) return 'previous_response_id';
    return `input[${source ?? k}]${content ?? ''}`;
  });
}
