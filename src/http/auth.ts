import type { FastifyRequest } from 'fastify';
import { hashSecret } from '../accounts/secrets.js';
import type { ApiKeyRecord } from '../accounts/types.js';
import { ApiError } from './errors.js';

export type { ApiKeyRecord };

/** Everything under /v1/ needs an API key; media links, health and the API reference do not. */
export const requiresApiKey = (url: string) => url.startsWith('/v1/');

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord;
  }
}

/** Who a create request is for: the key, the account it charges, and the models it may use. */
export const customerOf = (key: ApiKeyRecord) => ({
  apiKeyId: key.id,
  accountId: key.accountId,
  allowedModels: key.allowedModels,
});

/** Accepts `Authorization: Bearer <key>` and the bare `Authorization: <key>` some clients send. */
export function readPresentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization?.trim();
  if (header) return header.replace(/^bearer\s+/i, '').trim() || undefined;
  const apiKeyHeader = request.headers['x-api-key'];
  return typeof apiKeyHeader === 'string' && apiKeyHeader.trim() ? apiKeyHeader.trim() : undefined;
}

export const missingKey = () =>
  new ApiError(
    401,
    'Missing API key. Send it as "Authorization: Bearer <key>".',
    'invalid_request_error',
    null,
    'missing_api_key',
  );

export const incorrectKey = (key: string) =>
  new ApiError(401, `Incorrect API key provided: ${maskKey(key)}.`, 'invalid_request_error', null, 'invalid_api_key');

/** A short-lived cache of lookups by key hash: authentication costs no database round trip per request. */
export class KeyCache<T> {
  private readonly entries = new Map<string, { value: T | null; until: number }>();

  constructor(
    private readonly load: (hash: string) => Promise<T | null>,
    private readonly ttlMs: number,
  ) {}

  async get(hash: string, now = Date.now()): Promise<T | null> {
    let entry = this.entries.get(hash);
    if (!entry || entry.until < now) {
      entry = { value: await this.load(hash), until: now + this.ttlMs };
      if (this.entries.size > 10_000) this.entries.clear();
      this.entries.set(hash, entry);
    }
    return entry.value;
  }

  /** After an operator changed keys or accounts: this instance sees it at once, others within the TTL. */
  clear(): void {
    this.entries.clear();
  }
}

export interface CustomerKeyLookup {
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  touch(id: string): Promise<void> | undefined;
}

/**
 * Customer keys: revoked and unknown keys are 401, expired keys 401 `api_key_expired`, keys of a
 * suspended account 403 `account_suspended`. Cached for `cacheMs`, so a revocation or suspension
 * made on another instance applies within that time.
 */
export class ApiKeyAuthenticator {
  readonly cache: KeyCache<ApiKeyRecord>;

  constructor(
    private readonly store: CustomerKeyLookup,
    cacheMs = 10_000,
  ) {
    this.cache = new KeyCache((hash) => store.findByHash(hash), cacheMs);
  }

  async authenticate(request: FastifyRequest): Promise<ApiKeyRecord> {
    const key = readPresentedKey(request);
    if (!key) throw missingKey();
    const now = Date.now();
    const record = await this.cache.get(hashSecret(key), now);
    if (!record || record.revokedAt !== null) throw incorrectKey(key);
    if (record.expiresAt !== null && record.expiresAt <= now)
      throw new ApiError(
        401,
        `The API key ${maskKey(key)} expired on ${new Date(record.expiresAt).toISOString()}. Ask the operator for a new one.`,
        'invalid_request_error',
        null,
        'api_key_expired',
      );
    if (record.accountStatus !== 'active')
      throw new ApiError(
        403,
        'The account this API key belongs to is suspended. Contact the operator.',
        'permission_error',
        null,
        'account_suspended',
        { 'x-should-retry': 'false' },
      );
    void this.store.touch(record.id)?.catch((err) => request.log.warn({ err }, 'could not record key use'));
    return record;
  }
}

/** Shows enough of a key to recognise it, never enough to use it. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '****';
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}
