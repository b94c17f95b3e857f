import type { FastifyRequest } from 'fastify';
import { readIdempotencyKey, requestFingerprint, type CreatedJob } from '../jobs/idempotency.js';
import { bodyAsSent } from './validation.js';

/**
 * The request's Idempotency-Key (validated), what the request was (endpoint and content; uploaded
 * files as their hashes) and whether it is a client's automatic retry, for the pipeline to create its
 * job at most once. The content is fingerprinted as the client sent it, not as validation parsed it:
 * `"seed":"7"` and `"seed":7` differ.
 */
export function idempotencyOf(
  request: FastifyRequest,
  endpoint: string,
  content: unknown,
): { key: string | undefined; fingerprint: string; clientRetry: boolean } {
  const fingerprint = requestFingerprint(endpoint, bodyAsSent(content));
  return {
    key: readIdempotencyKey(request.headers['idempotency-key']),
    fingerprint,
    clientRetry: retryCountOf(request.headers['x-stainless-retry-count']) >= 1,
  };
}

/**
 * `X-Stainless-Retry-Count`, which the official SDKs (Node, Python, …) send on every attempt: 0 on
 * the first, then 1, 2. Advisory, so anything but a plain number reads as 0 (a first attempt) rather
 * than refusing the request.
 */
export function retryCountOf(header: string | string[] | undefined): number {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value && /^\d{1,9}$/.test(value) ? Number(value) : 0;
}

/**
 * Headers of an answer that is an earlier job's: `idempotent-replayed` (as OpenAI names it) whenever
 * no new job was made, and `x-mediagate-retry-of` naming the job when the request was recognised as
 * a repeat without an Idempotency-Key (a client's retry, or the same request right after a failure).
 */
function replayHeaders(created: CreatedJob): Record<string, string> {
  return {
    ...(created.replayed && { 'idempotent-replayed': 'true' }),
    ...(created.repeated && { 'x-mediagate-retry-of': created.job.id }),
  };
}

/** The headers every create endpoint answers with: the job, its channel, and whether it is an earlier job's. */
export function createdJobHeaders(created: CreatedJob): Record<string, string> {
  return {
    'x-mediagate-job-id': created.job.id,
    'x-mediagate-channel': created.job.channel ?? '',
    ...replayHeaders(created),
  };
}
