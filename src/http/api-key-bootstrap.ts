import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiKeyStore } from '../db/api-key-store.js';
import { hashApiKey } from './auth.js';

export interface KeyBootstrapResult {
  /** Set only when this start created the first key; shown once, then only its hash is kept. */
  createdKey?: string;
  createdKeyFile?: string;
}

/**
 * Keys from MEDIAGATE_API_KEYS are recorded by hash. With none configured and none stored yet,
 * the first start creates one so that a new install is usable and never open.
 */
export async function bootstrapApiKeys(
  store: ApiKeyStore,
  configured: string[],
  dataDir: string,
): Promise<KeyBootstrapResult> {
  const now = Date.now();
  for (const [index, key] of configured.entries()) {
    await store.ensure(hashApiKey(key), `env-${index + 1}`, key.slice(0, 6), now);
  }
  if (configured.length > 0 || (await store.count()) > 0) return {};
  const key = `sk-mg-${randomBytes(24).toString('base64url')}`;
  await store.ensure(hashApiKey(key), 'initial', key.slice(0, 6), now);
  const file = join(dataDir, 'initial-api-key');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { createdKey: key, createdKeyFile: file };
}
