import type { FastifyRequest } from 'fastify';

/**
 * The origin the request arrived on (`http://127.0.0.1:8080`), from its Host header: a reference
 * link on it into `/media/` is this gateway's own, read from storage. Trusting the header is safe
 * because such a link is only ever read from this gateway's store, never fetched.
 */
export function requestOrigin(request: FastifyRequest): string | undefined {
  const host = request.host;
  if (!host) return undefined;
  return `${request.protocol}://${host}`;
}
