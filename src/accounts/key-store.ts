import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, DatabaseSchema } from '../db/schema.js';
import { hashSecret, narrowModels, newId, newSecret, readModels, secretPrefix, writeModels } from './secrets.js';
import { type ApiKeyRecord, type AccountStatus, type CustomerKey, DEFAULT_ACCOUNT_ID, type Limits } from './types.js';

export interface NewKey extends Partial<Limits> {
  accountId: string;
  name: string;
  expiresAt?: number | null;
  spendLimit?: number | null;
}

export type KeyChanges = Partial<Limits & { name: string; expiresAt: number | null; spendLimit: number | null }>;

const toKey = (row: Selectable<ApiKeysTable>): CustomerKey => ({
  id: row.id,
  accountId: row.account_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  models: readModels(row.models),
  rpmLimit: row.rpm_limit,
  concurrencyLimit: row.concurrency_limit,
  spendLimit: row.spend_limit,
  spent: Number(row.spent),
  reserved: Number(row.reserved),
  activeJobs: row.active_jobs,
});

/** last_used_at is written at most this often per key: a busy key must not cost a write per request. */
const TOUCH_INTERVAL_MS = 60_000;

/** Customer API keys, stored by SHA-256 hash; the secret is returned once, by `create`. */
export class SqlKeyStore {
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(key: NewKey, now = Date.now()): Promise<{ key: CustomerKey; secret: string }> {
    const secret = newSecret('sk-mg');
    const row = await this.db
      .insertInto('api_keys')
      .values({
        id: newId('key'),
        name: key.name,
        key_hash: hashSecret(secret),
        prefix: secretPrefix(secret),
        created_at: now,
        revoked_at: null,
        account_id: key.accountId,
        expires_at: key.expiresAt ?? null,
        spend_limit: key.spendLimit ?? null,
        models: writeModels(key.models),
        rpm_limit: key.rpmLimit ?? null,
        concurrency_limit: key.concurrencyLimit ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { key: toKey(row), secret };
  }

  /** Records a key given in configuration by hash, in the default account, unless it exists; returns whether it was new. */
  async ensure(hash: string, name: string, prefix: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('api_keys')
      .values({
        id: newId('key'),
        name,
        key_hash: hash,
        prefix,
        created_at: now,
        revoked_at: null,
        account_id: DEFAULT_ACCOUNT_ID,
      })
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(id: string): Promise<CustomerKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toKey(row);
  }

  async list(accountId?: string): Promise<CustomerKey[]> {
    let query = this.db.selectFrom('api_keys').selectAll();
    if (accountId !== undefined) query = query.where('account_id', '=', accountId);
    return (await query.orderBy('created_at').orderBy('id').execute()).map(toKey);
  }

  async update(id: string, changes: KeyChanges): Promise<CustomerKey | undefined> {
    const values = {
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.expiresAt !== undefined && { expires_at: changes.expiresAt }),
      ...(changes.spendLimit !== undefined && { spend_limit: changes.spendLimit }),
      ...(changes.models !== undefined && { models: writeModels(changes.models) }),
      ...(changes.rpmLimit !== undefined && { rpm_limit: changes.rpmLimit }),
      ...(changes.concurrencyLimit !== undefined && { concurrency_limit: changes.concurrencyLimit }),
    };
    if (Object.keys(values).length === 0) return this.get(id);
    const row = await this.db
      .updateTable('api_keys')
      .set(values)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toKey(row);
  }

  async revoke(id: string, now = Date.now()): Promise<CustomerKey | undefined> {
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return this.get(id);
  }

  /** The key (active or not) with its account's status and limits folded in, for authentication. */
  async findByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = await this.db
      .selectFrom('api_keys as k')
      .innerJoin('accounts as a', 'a.id', 'k.account_id')
      .select([
        'k.id',
        'k.name',
        'k.prefix',
        'k.account_id',
        'k.created_at',
        'k.revoked_at',
        'k.expires_at',
        'k.models as key_models',
        'k.rpm_limit as key_rpm',
        'a.status as account_status',
        'a.models as account_models',
        'a.rpm_limit as account_rpm',
      ])
      .where('k.key_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      accountId: row.account_id,
      accountStatus: row.account_status as AccountStatus,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
      expiresAt: row.expires_at,
      allowedModels: narrowModels(readModels(row.account_models), readModels(row.key_models)),
      keyRpmLimit: row.key_rpm,
      accountRpmLimit: row.account_rpm,
    };
  }

  /** Notes that a key was used; cheap to call on every request. */
  touch(id: string, now = Date.now()): Promise<void> | undefined {
    const last = this.touched.get(id) ?? 0;
    if (now - last < TOUCH_INTERVAL_MS) return undefined;
    if (this.touched.size > 100_000) this.touched.clear();
    this.touched.set(id, now);
    return this.db
      .updateTable('api_keys')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .execute()
      .then(() => undefined);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
