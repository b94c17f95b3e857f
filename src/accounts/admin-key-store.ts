import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';
import { hashSecret, newId, newSecret, secretPrefix } from './secrets.js';

export interface AdminKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Operator credentials, kept apart from customer keys: a customer key never opens /admin. */
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
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .execute();
  }

  async findActiveByHash(hash: string): Promise<AdminKey | null> {
    const row = await this.db
      .selectFrom('admin_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row
      ? { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.created_at, revokedAt: row.revoked_at }
      : null;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('admin_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
