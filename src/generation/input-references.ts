import type { OwnMedia } from '../intent/own-media.js';

/**
 * This gateway's own media links: the public form (`PUBLIC_BASE_URL`) and the one the request
 * arrived on (its Host), both read from the store rather than fetched.
 */
export function ownMediaOf(mediaUrl: ((key: string) => string) | undefined, requestOrigin?: string): OwnMedia {
  const bases: string[] = [];
  if (mediaUrl) bases.push(mediaUrl(''));
  if (requestOrigin) bases.push(`${requestOrigin.replace(/\/+$/, '')}/media/`);
  return { bases };
}
