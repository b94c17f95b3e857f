import { isOwnImageKey, ownMediaPath, type OwnMedia } from './own-media.js';
import type { ReferenceInput } from './references.js';

/** An image found in an earlier turn of a chat conversation. */
export interface HistoryImage {
  url: string;
  /** Where it is in the request, for error messages. */
  param: string;
  /** A user's image part, or a link in an answer (only this gateway's own image links count there). */
  from: 'user' | 'assistant';
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `![alt](url)` and `[text](url)`, as this gateway writes them. Neither part may hold a bracket or
 * parenthesis, so each character is scanned a bounded number of times: a conversation is client
 * input, and a pattern that backtracks would let one request hold the event loop.
 */
const MARKDOWN_LINK = /\[[^[\]]*\]\(([^()[\]\s<>"]+)\)/g;

function partUrl(part: Record<string, unknown>): string | undefined {
  const raw = typeof part.image_url === 'string' ? part.image_url : isObject(part.image_url) && part.image_url.url;
  return typeof raw === 'string' && /^(https?:|data:)/i.test(raw.trim()) ? raw.trim() : undefined;
}

function userImages(content: unknown, base: string): HistoryImage[] {
  if (!Array.isArray(content)) return [];
  return content.flatMap((part, j) => {
    const url = isObject(part) && part.type === 'image_url' ? partUrl(part) : undefined;
    return url ? [{ url, param: `${base}[${j}]`, from: 'user' as const }] : [];
  });
}

/** An answer's images: its `images` field (the OpenRouter shape), then the links in its text. */
function assistantImages(message: Record<string, unknown>, base: string): HistoryImage[] {
  const found: HistoryImage[] = [];
  if (Array.isArray(message.images)) {
    message.images.forEach((image, j) => {
      const url = isObject(image) ? partUrl(image) : undefined;
      if (url) found.push({ url, param: `${base}.images[${j}]`, from: 'assistant' });
    });
  }
  const content = message.content;
  const texts =
    typeof content === 'string'
      ? [content]
      : Array.isArray(content)
        ? content.flatMap((p) => (isObject(p) && typeof p.text === 'string' ? [p.text] : []))
        : [];
  for (const text of texts) {
    for (const match of text.matchAll(MARKDOWN_LINK))
      found.push({ url: match[1], param: `${base}.content`, from: 'assistant' });
  }
  return found;
}

/**
 * The images of the messages before `lastUser`, most recent message first (each message's own in
 * the order it shows them). Read leniently: earlier turns are what a chat app stored, and an odd
 * one is skipped rather than refused.
 */
export function imagesInHistory(messages: readonly unknown[], lastUser: number): HistoryImage[] {
  const found: HistoryImage[] = [];
  for (let i = lastUser - 1; i >= 0; i--) {
    const message = messages[i];
    if (!isObject(message)) continue;
    const base = `messages[${i}]`;
    if (message.role === 'user') found.push(...userImages(message.content, `${base}.content`));
    else if (message.role === 'assistant') found.push(...assistantImages(message, base));
  }
  return found;
}

/**
 * The reference for editing in conversation: the most recent image of the conversation. A user's
 * image counts whatever its address (it is loaded like any reference); an answer's only when it is
 * an image this gateway produced (a link into its own `/media/`, not a video), since anything else
 * in an answer was not made here.
 */
export function pickHistoryReference(
  history: readonly HistoryImage[],
  own: OwnMedia | undefined,
): ReferenceInput | undefined {
  for (const image of history) {
    if (image.from === 'assistant') {
      const path = ownMediaPath(image.url, own);
      if (path === undefined || !isOwnImageKey(path)) continue;
    }
    return { url: image.url, param: image.param, source: 'history' };
  }
  return undefined;
}
