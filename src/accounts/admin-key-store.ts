import type { Kysely, Selectable } from 'kysely';
import type { AdminKeysTable, DatabaseSchema } from '../db/schema.js';
import { hashSecret, newId, newSecret, secretPrefix } from './secrets.js';

export interface AdminKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Operator credentials, kept apart from customer keys: a customer key never opens /admin. */
const toAdminKey = (row: Selectable<AdminKeysTable>): AdminKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export class SqlAdminKeyStore {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(name: string, now = Date.now()): Promise<{ key: AdminKey; secret: string }> {
    const secret = newSecret('mg-admin');
    const key = { id: newId('adm'), name, prefix: secretPrefix(secret), createdAt: now, revokedAt: null };
    await this.ensure(hashSecret(secret), key.name, key.prefix, now, key.id);
    return { key, secret };
  }

  async ensure(hash: string, name: string, prefix: string, now: number, id = newId('adm')): Promise<void> {
    await this.db
      .insertInto('admin_keys')
      .values({ id, name, key_hash: hash, prefix, created_at: now, revoked_at: null })
      // A configured key put back into MEDIAGATE_ADMIN_KEYS works again.
      .onConflict((oc) => oc.column('key_hash').doUpdateSet({ revoked_at: null }))
      .execute();
  }

  async list(): Promise<AdminKey[]> {
    const rows = await this.db.selectFrom('admin_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toAdminKey);
  }

  async get(id: string): Promise<AdminKey | null> {
    const row = await this.db.selectFrom('admin_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAdminKey(row) : null;
  }

  /** True when the key was active and is now revoked. */
  async revoke(id: string, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('admin_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Keys that came from MEDIAGATE_ADMIN_KEYS and are no longer there stop working. */
  async revokeUnconfigured(configuredHashes: string[], now = Date.now()): Promise<void> {
    let update = this.db
      .updateTable('admin_keys')
      .set({ revoked_at: now })
      .where('name', 'like', 'env-%')
      .where('revoked_at', 'is', null);
    if (configuredHashes.length > 0) update = update.where('key_hash', 'not in', configuredHashes);
    await update.execute();
  }

  async findActiveByHash(hash: string): Promise<AdminKey | null> {
    const row = await this.db
      .selectFrom('admin_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? toAdminKey(row) : null;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('admin_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
