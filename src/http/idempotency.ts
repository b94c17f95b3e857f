import type { FastifyRequest } from 'fastify';
import { readIdempotencyKey, requestFingerprint } from '../jobs/idempotency.js';
import { bodyAsSent } from './validation.js';

/**
 * The request's Idempotency-Key (validated) and what the request was (endpoint and content; uploaded
 * files as their hashes), for the pipeline to create its job at most once per key. The content is
 * fingerprinted as the client sent it, not as validation parsed it: `"seed":"7"` and `"seed":7` differ.
 */
export function idempotencyOf(
  request: FastifyRequest,
  endpoint: string,
  content: unknown,
): { key: string | undefined; fingerprint: string } {
  const fingerprint = requestFingerprint(endpoint, bodyAsSent(content));
  return { key: readIdempotencyKey(request.headers['idempotency-key']), fingerprint };
}
