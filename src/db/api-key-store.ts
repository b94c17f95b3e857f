import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, DatabaseSchema } from './schema.js';

const toRecord = (row: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  accountId: row.account_id,
});

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** First characters of the key, for operators to recognise it; never the whole key. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  accountId: string;
}

export interface ApiKeyStore {
  findActiveByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** Inserts a key by hash unless one with that hash exists; returns the record either way. */
  ensure(hash: string, name: string, prefix: string, now: number): Promise<ApiKeyRecord>;
  count(): Promise<number>;
}

/** API keys by SHA-256 hash; the key itself is never stored. */
export class SqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async findActiveByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async ensure(hash: string, name: string, prefix: string, now: number): Promise<ApiKeyRecord> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: `key_${randomBytes(8).toString('hex')}`,
        name,
        key_hash: hash,
        prefix,
        created_at: now,
        revoked_at: null,
      })
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .execute();
    const row = await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
