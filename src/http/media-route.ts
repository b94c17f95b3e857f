import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { contentTypeForKey } from '../storage/keys.js';
import type { ByteRange, MediaStore } from '../storage/types.js';
import { ApiError } from './errors.js';
import { errorResponse } from './openapi/response-schemas.js';

/**
 * A single `bytes=` range against an object of `size` bytes. Returns null when the header should
 * be ignored (malformed or several ranges: RFC 9110 lets a server answer 200 in full), and
 * 'unsatisfiable' for a well-formed range that lies outside the object.
 */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

const binary = (contentType: string, description: string) => ({
  schema: z.string().meta({ contentMediaType: contentType, description }),
});

const schema = {
  operationId: 'getMedia',
  tags: ['Media'],
  summary: 'A stored result or reference (public, immutable, supports Range)',
  params: z.object({ '*': z.string().describe('Storage key from a result link, e.g. `ab/ab12….png`.') }),
  response: {
    200: {
      description: 'The stored object.',
      content: {
        'image/png': binary('image/png', 'Image'),
        'image/jpeg': binary('image/jpeg', 'Image'),
        'image/webp': binary('image/webp', 'Image'),
        'video/mp4': binary('video/mp4', 'Video'),
      },
    },
    206: {
      description: 'Partial content.',
      content: { 'application/octet-stream': binary('application/octet-stream', 'The requested byte range.') },
    },
    302: { description: 'With `MEDIAGATE_MEDIA_LINKS=redirect`: a time-limited link straight to the bucket.' },
    404: errorResponse,
  },
};

/** A presigned link lives this long; the redirect may be cached for a fraction of it. */
const SIGNED_LINK_SECONDS = 3600;
const REDIRECT_CACHE_SECONDS = 600;

/**
 * `GET|HEAD /media/<key>`: stored results. Keys are content hashes, so responses are immutable and
 * need no auth (links must open in a browser or a markdown viewer); ranges let players seek. The
 * bytes are proxied from the store (a file or a bucket, ranges passed down), or, with
 * `links: 'redirect'`, a 302 sends the client to a presigned link so the bytes bypass the gateway.
 */
export async function mediaRoutes(
  app: FastifyInstance,
  { store, links = 'proxy' }: { store: MediaStore; links?: 'proxy' | 'redirect' },
): Promise<void> {
  app.route<{ Params: { '*': string } }>({
    method: ['GET', 'HEAD'],
    url: '/media/*',
    schema,
    handler: async (request, reply) => {
      const key = request.params['*'];
      const found = await store.stat(key);
      if (!found)
        throw new ApiError(404, `No media at /media/${key}.`, 'invalid_request_error', null, 'media_not_found');
      const signed = links === 'redirect' ? await store.signedUrl(key, SIGNED_LINK_SECONDS) : null;
      if (signed)
        return reply
          .status(302)
          .headers({ location: signed, 'cache-control': `public, max-age=${REDIRECT_CACHE_SECONDS}` })
          .send();
      const etag = `"${key.slice(3, 67)}"`;
      reply.headers({
        'content-type': contentTypeForKey(key),
        etag,
        'last-modified': new Date(found.mtimeMs).toUTCString(),
        'cache-control': 'public, max-age=31536000, immutable',
        'accept-ranges': 'bytes',
        'x-content-type-options': 'nosniff',
      });
      if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
        return reply.status(304).send();
      }
      const ifRange = request.headers['if-range'];
      const rangeHeader =
        typeof request.headers.range === 'string' && (!ifRange || ifRange === etag) ? request.headers.range : undefined;
      const range = rangeHeader ? parseRange(rangeHeader, found.bytes) : null;
      if (range === 'unsatisfiable') {
        reply.removeHeader('content-type').header('content-range', `bytes */${found.bytes}`);
        throw new ApiError(
          416,
          `Range ${rangeHeader} is outside the ${found.bytes}-byte object.`,
          'invalid_request_error',
          'range',
          'range_not_satisfiable',
        );
      }
      const { start, end } = range ?? { start: 0, end: found.bytes - 1 };
      reply.status(range ? 206 : 200).header('content-length', String(end - start + 1));
      if (range) reply.header('content-range', `bytes ${start}-${end}/${found.bytes}`);
      if (request.method === 'HEAD' || found.bytes === 0) return reply.send();
      return reply.send(await store.openRead(key, { start, end }));
    },
  });
}
