import type { FastifyRequest } from 'fastify';
import type { AdminKey } from '../../accounts/admin-key-store.js';
import { hashSecret } from '../../accounts/secrets.js';
import type { ApiKeyRecord } from '../../accounts/types.js';
import { ApiError } from '../errors.js';
import { incorrectKey, KeyCache, missingKey, readPresentedKey } from '../auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    adminKey: AdminKey;
  }
}

/** The admin API's prefix; every route under it needs an admin key. */
export const ADMIN_PREFIX = '/admin/v1';
export const isAdminPath = (url: string) => url.startsWith(`${ADMIN_PREFIX}/`);

export interface AdminKeyLookup {
  findActiveByHash(hash: string): Promise<AdminKey | null>;
}

/**
 * Admin keys open /admin/v1 and /metrics; customer keys never do. A customer key presented here is
 * told so (403), so that a script using the wrong key learns why.
 */
export class AdminAuthenticator {
  private readonly cache: KeyCache<AdminKey>;

  constructor(
    store: AdminKeyLookup,
    private readonly customerKeys: { cache: KeyCache<ApiKeyRecord> },
    cacheMs = 10_000,
  ) {
    this.cache = new KeyCache((hash) => store.findActiveByHash(hash), cacheMs);
  }

  async authenticate(request: FastifyRequest): Promise<AdminKey> {
    const key = readPresentedKey(request);
    if (!key) throw missingKey();
    const hash = hashSecret(key);
    const admin = await this.cache.get(hash);
    if (admin) return admin;
    if (await this.customerKeys.cache.get(hash))
      throw new ApiError(
        403,
        'This is a customer API key; the admin API needs an admin key (MEDIAGATE_ADMIN_KEYS or <dataDir>/initial-admin-key).',
        'permission_error',
        null,
        'admin_key_required',
      );
    throw incorrectKey(key);
  }
}
