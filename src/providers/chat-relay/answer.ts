import type { GenerationRequest } from '../../intent/types.js';

/** One media link found in a relay's answer. */
export interface MediaLink {
  url: string;
  contentType: string;
}

const VIDEO_TAG = /<(?:video|source)\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']/gi;
const MARKDOWN_IMAGE = /!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const MARKDOWN_LINK = /(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const BARE_URL = /https?:\/\/[^\s)"'<>\]`]+/g;

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/mp4',
  webm: 'video/webm',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

function typeOf(url: string): string | undefined {
  const data = /^data:([a-z]+\/[a-z0-9.+-]+);base64,/i.exec(url);
  if (data) return data[1].toLowerCase();
  try {
    const ext = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    return ext ? TYPES[ext] : undefined;
  } catch {
    return undefined;
  }
}

const SUCCESS = /✅|success|成功|click here|点击|view video|查看/i;

/** Every capture of `pattern`, without the sentence punctuation that often follows a bare link. */
const all = (pattern: RegExp, text: string) =>
  [...text.matchAll(pattern)].map((m) => (m[1] ?? m[0]).trim().replace(/[.,;:!?~]+$/, ''));

/**
 * The media a relay's final markdown points at, best candidates first: for a video a `<video src>`
 * (often inside a code fence), then links whose path looks like a video, then — when the text says
 * it succeeded — any link (signed CDN links often have no extension); for images every `![](…)`
 * (including inline `data:` images), else image-looking links. Relative links are resolved against
 * the relay's base URL.
 */
export function findMedia(text: string, kind: GenerationRequest['kind'], baseUrl: string): MediaLink[] {
  const resolve = (raw: string) => {
    if (/^data:/i.test(raw)) return raw;
    try {
      const url = new URL(raw, `${baseUrl.replace(/\/+$/, '')}/`);
      return /^https?:$/.test(url.protocol) ? url.href : undefined;
    } catch {
      return undefined;
    }
  };
  const wanted = kind === 'video' ? 'video/' : 'image/';
  const looksRight = (url: string) => typeOf(url)?.startsWith(wanted) ?? false;
  const usable = (candidates: string[]) => {
    const found: MediaLink[] = [];
    for (const raw of candidates) {
      const url = resolve(raw);
      if (!url || found.some((f) => f.url === url)) continue;
      const type = typeOf(url);
      // A link that plainly is the other kind of media (a thumbnail next to a video) is not the result.
      if (type && !type.startsWith(wanted)) continue;
      found.push({ url, contentType: type ?? (kind === 'video' ? 'video/mp4' : 'image/png') });
    }
    return found;
  };
  const links = all(MARKDOWN_LINK, text);
  const images = all(MARKDOWN_IMAGE, text);
  const bare = all(BARE_URL, text);
  // A link that does not look like media counts only when the relay says it succeeded.
  const anyLink = SUCCESS.test(text) ? [...links, ...images] : [];
  if (kind === 'video')
    return usable([...all(VIDEO_TAG, text), ...[...links, ...images, ...bare].filter(looksRight), ...anyLink]).slice(
      0,
      1,
    );
  const markdownImages = usable(images);
  if (markdownImages.length > 0) return markdownImages;
  return usable([...[...links, ...bare].filter(looksRight), ...anyLink]).slice(0, 1);
}

const FAILURE = /❌|⛔|🚫|generation failed|failed to generate|生成失败|失败|出错|\berror\b/i;
/** Content-review words relays use in their refusals (English and Chinese). */
export const POLICY_WORDS =
  /violat|moderation|审核|违规|content[ _-]?polic|safety|敏感|sensitive|不合规|inappropriate|guideline/i;

/** The relay said it failed; the policy flag marks a content-review refusal. */
export interface RelayFailure {
  message: string;
  policy: boolean;
}

/** Reads a failure out of the answer text, or undefined when it does not say it failed. */
export function findFailure(text: string): RelayFailure | undefined {
  // Code fences hold the relay's echo of the prompt (and `<video>` tags), not its verdict.
  const lines = withoutCodeFences(text)
    .split('\n')
    .map((l) => l.replace(/^[>\s]+/, '').trim())
    .filter(Boolean);
  const failing = lines.filter((l) => FAILURE.test(l) || POLICY_WORDS.test(l));
  if (failing.length === 0) return undefined;
  const message = failing
    .join(' ')
    .replace(/[❌⛔🚫]\s*/gu, '')
    .trim()
    .slice(0, 300);
  return { message, policy: POLICY_WORDS.test(failing.join(' ')) };
}

const withoutCodeFences = (text: string) => text.replace(/```[\s\S]*?(```|$)/g, '\n');

/** The last meaningful line, to quote an answer that is neither a result nor a failure. */
export function lastLine(text: string): string {
  const lines = withoutCodeFences(text)
    .split('\n')
    .map((l) => l.replace(/^[>\s]+/, '').trim())
    .filter(Boolean);
  return (lines.at(-1) ?? '').slice(0, 200);
}
