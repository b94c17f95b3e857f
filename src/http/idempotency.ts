import type { FastifyRequest } from 'fastify';
import { readIdempotencyKey, requestFingerprint } from '../jobs/idempotency.js';

/**
 * The request's Idempotency-Key (validated) and what the request was (endpoint and content; uploaded
 * files as their hashes), for the pipeline to create its job at most once per key.
 */
export function idempotencyOf(request: FastifyRequest, endpoint: string, content: unknown): { key: string | undefined; fingerprint: string } {
  const fingerprint = requestFingerprint(endpoint, content);
  return { key: readIdempotencyKey(request.headers['idempotency-key']), fingerprint };
}
