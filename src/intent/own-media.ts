import { contentTypeForKey, isMediaKey } from '../storage/keys.js';

/**
 * Links into this gateway's own `/media/`: the public form (`PUBLIC_BASE_URL/media/`) and the form
 * the request itself arrived on (its Host). They are read from the media store, never fetched, so a
 * local or private deployment can use its own results as references.
 */
export interface OwnMedia {
  /** URL prefixes ending in `/media/`, e.g. `https://media.example.com/media/`. */
  bases: readonly string[];
}

const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path after `/media/` when `url` points into this gateway's media (whether or not it is a valid
 * key: the caller refuses a bad one, e.g. `/media/../x`), or undefined for anyone else's link. The
 * raw path is compared as well as the normalised one, so `..` cannot be folded away before the check.
 */
export function ownMediaPath(url: string, own: OwnMedia | undefined): string | undefined {
  if (!own || !/^https?:/i.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const rawPath = url.replace(AUTHORITY, '').replace(/[?#].*$/s, '');
  for (const base of own.bases) {
    let baseUrl: URL;
    try {
      baseUrl = new URL(base);
    } catch {
      continue;
    }
    if (baseUrl.origin !== parsed.origin) continue;
    const prefix = baseUrl.pathname;
    if (rawPath.startsWith(prefix)) return rawPath.slice(prefix.length);
    if (parsed.pathname.startsWith(prefix)) return parsed.pathname.slice(prefix.length);
  }
  return undefined;
}

/** An image result of this gateway (a video, `.mp4`, is not an image): told by the key's extension. */
export function isOwnImageKey(path: string): boolean {
  return isMediaKey(path) && contentTypeForKey(path).startsWith('image/');
}
