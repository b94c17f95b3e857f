const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
};
const CONTENT_TYPES: Record<string, string> = Object.fromEntries(
  Object.entries(EXTENSIONS).map(([type, ext]) => [ext, type]),
);

/** `ab/ab…64 hex….ext`: anything else is not a key, which rules out path traversal by construction. */
const KEY_PATTERN = /^([0-9a-f]{2})\/\1[0-9a-f]{62}\.(png|jpg|webp|gif|mp4|webm|bin)$/;

export const isMediaKey = (key: string) => KEY_PATTERN.test(key);

export function contentTypeForKey(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** The key of content with this SHA-256: every store names objects the same way, so links survive a move. */
export const keyFor = (sha256: string, contentType: string) =>
  `${sha256.slice(0, 2)}/${sha256}.${EXTENSIONS[contentType] ?? 'bin'}`;

/** The SHA-256 a key names. */
export const sha256OfKey = (key: string) => key.slice(3, 67);
