import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlAdminKeyStore } from './admin-key-store.js';
import type { SqlKeyStore } from './key-store.js';
import { hashSecret, newSecret, secretPrefix } from './secrets.js';

export interface KeyBootstrapResult {
  /** Set only when this start created the first key; shown once, then only its hash is kept. */
  createdKey?: string;
  createdKeyFile?: string;
  /** The same for the first admin key. */
  createdAdminKey?: string;
  createdAdminKeyFile?: string;
}

/**
 * Keys from MEDIAGATE_API_KEYS (customer keys of the default account) and MEDIAGATE_ADMIN_KEYS are
 * recorded by hash. With none configured and none stored yet, the first start creates one of each,
 * writes it to the data dir (mode 0600) for the operator, and keeps only its hash: a new install is
 * usable and never open.
 */
export async function bootstrapKeys(
  stores: { keys: SqlKeyStore; adminKeys: SqlAdminKeyStore },
  configured: { apiKeys: string[]; adminKeys: string[] },
  dataDir: string,
): Promise<KeyBootstrapResult> {
  const now = Date.now();
  const result: KeyBootstrapResult = {};
  for (const [index, key] of configured.apiKeys.entries())
    await stores.keys.ensure(hashSecret(key), `env-${index + 1}`, key.slice(0, 6), now);
  for (const [index, key] of configured.adminKeys.entries())
    await stores.adminKeys.ensure(hashSecret(key), `env-${index + 1}`, secretPrefix(key), now);
  // The variable is the list of admin keys it gave: one taken out of it stops working.
  await stores.adminKeys.revokeUnconfigured(configured.adminKeys.map(hashSecret), now);

  if (configured.apiKeys.length === 0 && (await stores.keys.count()) === 0) {
    const key = newSecret('sk-mg');
    await stores.keys.ensure(hashSecret(key), 'initial', key.slice(0, 6), now);
    result.createdKeyFile = await writeSecretFile(dataDir, 'initial-api-key', key);
    result.createdKey = key;
  }
  if (configured.adminKeys.length === 0 && (await stores.adminKeys.count()) === 0) {
    const key = newSecret('mg-admin');
    await stores.adminKeys.ensure(hashSecret(key), 'initial', secretPrefix(key), now);
    result.createdAdminKeyFile = await writeSecretFile(dataDir, 'initial-admin-key', key);
    result.createdAdminKey = key;
  }
  return result;
}

async function writeSecretFile(dataDir: string, name: string, secret: string): Promise<string> {
  const file = join(dataDir, name);
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return file;
}
