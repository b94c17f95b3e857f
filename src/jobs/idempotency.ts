import { createHash } from 'node:crypto';
import { badRequest, GenerationError } from '../errors/generation-error.js';
import type { JobRecord, JobStore } from './types.js';

/** What a job carries when its request had an Idempotency-Key; stored by `JobStore.create`. */
export interface IdempotencyTag {
  idempotencyKey: string;
  idempotencyFingerprint: string;
}

export interface CreatedJob {
  job: JobRecord;
  /** True when an earlier request had already created this job and nothing new was started. */
  replayed: boolean;
  /**
   * Why a request without an Idempotency-Key got an earlier job (src/jobs/repeated-request.ts): it was
   * a client's automatic retry, or an identical request right after that job failed.
   */
  repeated?: 'client_retry' | 'failure' | 'handed_off';
}

/** Visible ASCII and spaces, like the keys SDKs generate (`stainless-node-retry-<uuid>`). */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** The `Idempotency-Key` header, validated; undefined when absent. */
export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value || !KEY_PATTERN.test(value)) {
    throw badRequest(
      'The Idempotency-Key header must be 1 to 255 printable ASCII characters.',
      'Idempotency-Key',
      'invalid_idempotency_key',
    );
  }
  return value;
}

/** Deeper than any request of this API; the JSON parser refuses such bodies first, this guards other callers. */
const MAX_FINGERPRINT_DEPTH = 64;

/** JSON with object keys sorted, so key order and whitespace do not make two equal bodies differ. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_FINGERPRINT_DEPTH)
    throw badRequest(`The request is nested more than ${MAX_FINGERPRINT_DEPTH} levels deep.`, null, 'json_too_deep');
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
}

/** Identifies a request by endpoint and content; uploaded files enter as their SHA-256. */
export function requestFingerprint(endpoint: string, content: unknown): string {
  return createHash('sha256')
    .update(`${endpoint}\n${canonicalJson(content)}`)
    .digest('hex');
}

function conflict(): GenerationError {
  return new GenerationError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used with a different request (another endpoint or body). Send a new key for a new request.',
    'Idempotency-Key',
  );
}

/** better-sqlite3 and pg name a unique-constraint failure differently. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Creates a job at most once per (API key, Idempotency-Key). A retry with the same request gets
 * the existing job back without running `create` (so nothing is fetched, reviewed or submitted
 * again); a different request with the same key is a 409. Concurrent duplicates are settled by
 * the unique index on the jobs table: the loser's insert fails and it returns the winner's job.
 * The loser may fail before its insert, too: the winner's reservation can have taken what the
 * account or key had left, so the loser's is refused (insufficient_quota, or a concurrency limit).
 * That refusal is about money its own request already holds, so it also returns the winner's job.
 */
export async function createJobOnce(
  store: Pick<JobStore, 'findByIdempotencyKey'>,
  scope: { apiKeyId: string; key: string | undefined; fingerprint: string },
  create: (tag: IdempotencyTag | undefined) => Promise<JobRecord>,
): Promise<CreatedJob> {
  const { apiKeyId, key, fingerprint } = scope;
  if (key === undefined) return { job: await create(undefined), replayed: false };

  const existing = await store.findByIdempotencyKey(apiKeyId, key);
  if (existing) return replay(existing, fingerprint);
  try {
    return { job: await create({ idempotencyKey: key, idempotencyFingerprint: fingerprint }), replayed: false };
  } catch (err) {
    if (!isUniqueViolation(err) && !isReservationRefusal(err)) throw err;
    const winner = await store.findByIdempotencyKey(apiKeyId, key);
    if (!winner) throw err;
    return replay(winner, fingerprint);
  }
}

/** A reservation refused for the account's or key's money or running jobs (see src/billing/ledger.ts). */
const isReservationRefusal = (err: unknown): boolean =>
  err instanceof GenerationError && (err.code === 'insufficient_quota' || err.code === 'rate_limit_exceeded');

function replay(job: JobRecord, fingerprint: string): CreatedJob {
  if (job.idempotencyFingerprint !== fingerprint) throw conflict();
  return { job, replayed: true };
}
