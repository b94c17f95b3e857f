import sharp, { type Metadata } from 'sharp';
import { badRequest } from '../errors/generation-error.js';
import { FetchRefusedError, safeFetch, type SafeFetchOptions } from '../net/safe-fetch.js';
import type { MediaStore } from '../storage/types.js';
import { isMediaKey } from '../storage/keys.js';
import { ownMediaPath, type OwnMedia } from './own-media.js';
import type { ReferenceSource, StoredReference } from './types.js';

export interface ReferenceDeps {
  store: MediaStore;
  fetch: SafeFetchOptions;
  maxPixels: number;
  maxBytes: number;
  /** This gateway's own media links, read from the store instead of fetched. */
  ownMedia?: OwnMedia;
}

const STORED_AS_IS: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;

function decodeDataUrl(url: string, param: string, maxBytes: number): Buffer {
  const header = DATA_URL.exec(url);
  if (!header)
    throw badRequest(
      `${param} is not a valid data: URL; expected data:image/png;base64,….`,
      param,
      'invalid_image_url',
    );
  const payload = url.slice(header[0].length);
  const isBase64 = /;base64/i.test(header[2]);
  // Checked before decoding, so an oversized payload is never allocated.
  const decodedSize = isBase64 ? Math.floor((payload.replace(/=+$/, '').length * 3) / 4) : payload.length;
  if (decodedSize > maxBytes)
    throw badRequest(`The image in ${param} is larger than ${maxBytes} bytes.`, param, 'image_too_large');
  if (!isBase64) {
    try {
      return Buffer.from(decodeURIComponent(payload), 'latin1');
    } catch {
      throw badRequest(`The %-encoded data in ${param} is malformed.`, param, 'invalid_image');
    }
  }
  if (!/^[A-Za-z0-9+/_\-\s]*=*\s*$/.test(payload))
    throw badRequest(`The base64 data in ${param} is malformed.`, param, 'invalid_image');
  return Buffer.from(payload, 'base64');
}

async function fetchImage(url: string, param: string, deps: ReferenceDeps): Promise<Buffer> {
  try {
    return (await safeFetch(url, { ...deps.fetch, maxBytes: deps.maxBytes })).data;
  } catch (err) {
    if (!(err instanceof FetchRefusedError)) throw err;
    const code =
      err.reason === 'blocked_address' || err.reason === 'bad_scheme'
        ? 'image_url_not_allowed'
        : err.reason === 'too_large'
          ? 'image_too_large'
          : 'image_fetch_failed';
    throw badRequest(`Could not use the image in ${param}: ${err.message}`, param, code);
  }
}

/**
 * A link to this gateway's own `/media/`: read from the store whatever its address (no fetch, so no
 * address policy applies). A path that is not a media key (`/media/../x`) or names nothing is a 400.
 */
async function readOwnMedia(path: string, param: string, deps: ReferenceDeps): Promise<Buffer> {
  if (!isMediaKey(path))
    throw badRequest(
      `${param} points into this gateway's /media/ but "${path}" is not a media key; use a result link as the gateway gave it.`,
      param,
      'invalid_image_url',
    );
  const found = await deps.store.stat(path);
  if (!found)
    throw badRequest(`${param} names /media/${path}, which this gateway does not hold.`, param, 'image_fetch_failed');
  if (found.bytes > deps.maxBytes)
    throw badRequest(`The image in ${param} is larger than ${deps.maxBytes} bytes.`, param, 'image_too_large');
  return deps.store.read(path);
}

/** A reference as the client gave it: a URL (http(s) or data:) or the bytes of an uploaded file. */
export type ReferenceInput = ({ url: string } | { data: Buffer }) & {
  param: string;
  /** Recorded on the stored reference; without one, a URL counts as `message` and bytes as `upload`. */
  source?: ReferenceSource;
};

async function readReferenceBytes(input: ReferenceInput, deps: ReferenceDeps): Promise<Buffer> {
  if ('data' in input) {
    if (input.data.length > deps.maxBytes)
      throw badRequest(
        `The image in ${input.param} is larger than ${deps.maxBytes} bytes.`,
        input.param,
        'image_too_large',
      );
    return input.data;
  }
  if (input.url.startsWith('data:')) return decodeDataUrl(input.url, input.param, deps.maxBytes);
  const own = ownMediaPath(input.url, deps.ownMedia);
  return own === undefined ? fetchImage(input.url, input.param, deps) : readOwnMedia(own, input.param, deps);
}

/**
 * Fetches (or decodes, or reads from this gateway's store) one reference image, checks it really is
 * an image of acceptable size, and stores it. Pixel count is read from the header, so a
 * decompression bomb is refused undecoded.
 */
export async function loadReference(input: ReferenceInput, deps: ReferenceDeps): Promise<StoredReference> {
  const { param } = input;
  const data = await readReferenceBytes(input, deps);
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw badRequest(
      `The file in ${param} is not an image we can read (PNG, JPEG, WebP or GIF).`,
      param,
      'invalid_image',
    );
  }
  const { format, width = 0, height = 0 } = meta;
  if (!format || !['png', 'jpeg', 'webp', 'gif'].includes(format) || width === 0 || height === 0) {
    throw badRequest(`The file in ${param} is not a PNG, JPEG, WebP or GIF image.`, param, 'invalid_image');
  }
  if (width * height > deps.maxPixels) {
    throw badRequest(
      `The image in ${param} is ${width}x${height}; the limit is ${deps.maxPixels} pixels.`,
      param,
      'image_too_large',
    );
  }
  // The header alone says nothing of the pixel data: decode it all now, so a damaged image is
  // refused here rather than failing moderation or an upstream. Shrinking to a thumbnail streams the
  // decode in strips (memory stays small at 40 MP); `.stats()` is not used because under concurrent
  // calls it lets some decode errors pass (measured: ~40 % of damaged PNGs at 200 in flight).
  try {
    await sharp(data, { limitInputPixels: deps.maxPixels, pages: 1, failOn: 'error' })
      .resize(16, 16, { fit: 'fill' })
      .raw()
      .toBuffer();
  } catch {
    throw badRequest(
      `The image in ${param} is damaged: its header is valid but its pixel data cannot be decoded.`,
      param,
      'invalid_image',
    );
  }
  let bytes = data;
  let contentType = STORED_AS_IS[format];
  if (!contentType) {
    try {
      bytes = await sharp(data, { limitInputPixels: deps.maxPixels, pages: 1 }).png().toBuffer();
    } catch {
      throw badRequest(`The image in ${param} could not be decoded.`, param, 'invalid_image');
    }
    contentType = 'image/png';
  }
  const stored = await deps.store.put(bytes, contentType);
  const source = input.source ?? ('url' in input ? 'message' : 'upload');
  return { key: stored.key, contentType, width, height, bytes: bytes.length, source };
}

/** Loads several references, a few at a time, keeping their order. */
export async function loadReferences(inputs: ReferenceInput[], deps: ReferenceDeps): Promise<StoredReference[]> {
  const results: StoredReference[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await loadReference(inputs[i], deps);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, inputs.length) }, worker));
  return results;
}
