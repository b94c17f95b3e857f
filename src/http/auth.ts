import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRecord, ApiKeyStore } from '../db/api-key-store.js';
import { ApiError } from './errors.js';

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

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
  allowedModels: null,
});

/** Accepts `Authorization: Bearer <key>` and the bare `Authorization: <key>` some clients send. */
export function readPresentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization?.trim();
  if (header) return header.replace(/^bearer\s+/i, '').trim() || undefined;
  const apiKeyHeader = request.headers['x-api-key'];
  return typeof apiKeyHeader === 'string' && apiKeyHeader.trim() ? apiKeyHeader.trim() : undefined;
}

/** Caches key lookups briefly so authentication costs no database round trip per request. */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly cacheMs = 30_000,
  ) {}

  async authenticate(request: FastifyRequest): Promise<ApiKeyRecord> {
    const key = readPresentedKey(request);
    if (!key) {
      throw new ApiError(
        401,
        'Missing API key. Send it as "Authorization: Bearer <key>".',
        'invalid_request_error',
        null,
        'missing_api_key',
      );
    }
    const hash = hashApiKey(key);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.until < now) {
      entry = { record: await this.store.findActiveByHash(hash), until: now + this.cacheMs };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, entry);
    }
    if (!entry.record) {
      throw new ApiError(
        401,
        `Incorrect API key provided: ${maskKey(key)}.`,
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    }
    return entry.record;
  }
}

/** Shows enough of a key to recognise it, never enough to use it. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '****';
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}
