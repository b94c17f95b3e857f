import type { Kysely, Selectable } from 'kysely';
import { credit } from '../billing/ledger.js';
import type { AccountsTable, DatabaseSchema } from '../db/schema.js';
import { newId, readModels, writeModels } from './secrets.js';
import type { Account, AccountStatus, Limits } from './types.js';

export interface NewAccount extends Partial<Limits> {
  name: string;
  /** Opening balance, recorded in the ledger as a top-up. */
  balance?: number;
  prepaid?: boolean;
  monthlySpendLimit?: number | null;
}

export type AccountChanges = Partial<
  Limits & { name: string; status: AccountStatus; prepaid: boolean; monthlySpendLimit: number | null }
>;

const toAccount = (row: Selectable<AccountsTable>): Account => ({
  id: row.id,
  name: row.name,
  status: row.status as AccountStatus,
  balance: Number(row.balance),
  reserved: Number(row.reserved),
  activeJobs: row.active_jobs,
  prepaid: row.prepaid === 1,
  monthlySpendLimit: row.monthly_spend_limit === null ? null : Number(row.monthly_spend_limit),
  models: readModels(row.models),
  rpmLimit: row.rpm_limit,
  concurrencyLimit: row.concurrency_limit,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Customers. Balances change only through the ledger (billing/ledger.ts). */
export class SqlAccountStore {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(account: NewAccount, now = Date.now()): Promise<Account> {
    const id = newId('acct');
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id,
          name: account.name,
          status: 'active',
          balance: 0,
          reserved: 0,
          active_jobs: 0,
          prepaid: account.prepaid === false ? 0 : 1,
          monthly_spend_limit: account.monthlySpendLimit ?? null,
          models: writeModels(account.models),
          rpm_limit: account.rpmLimit ?? null,
          concurrency_limit: account.concurrencyLimit ?? null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      if (account.balance)
        await credit(trx, { accountId: id, kind: 'top_up', amount: account.balance, note: 'opening balance', now });
    });
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAccount(row);
  }

  async list(): Promise<Account[]> {
    return (await this.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute()).map(
      toAccount,
    );
  }

  async update(id: string, changes: AccountChanges, now = Date.now()): Promise<Account | undefined> {
    const values = {
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.status !== undefined && { status: changes.status }),
      ...(changes.prepaid !== undefined && { prepaid: changes.prepaid ? 1 : 0 }),
      ...(changes.monthlySpendLimit !== undefined && { monthly_spend_limit: changes.monthlySpendLimit }),
      ...(changes.models !== undefined && { models: writeModels(changes.models) }),
      ...(changes.rpmLimit !== undefined && { rpm_limit: changes.rpmLimit }),
      ...(changes.concurrencyLimit !== undefined && { concurrency_limit: changes.concurrencyLimit }),
    };
    await this.db
      .updateTable('accounts')
      .set({ ...values, updated_at: now })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** Adds credits (a top-up) or moves them either way (a signed adjustment); undefined when the account does not exist. */
  async credit(
    id: string,
    kind: 'top_up' | 'adjustment',
    amount: number,
    note?: string,
    now = Date.now(),
  ): Promise<{ entryId: string; account: Account } | undefined> {
    const done = await this.db
      .transaction()
      .execute((trx) => credit(trx, { accountId: id, kind, amount, ...(note !== undefined && { note }), now }));
    if (!done) return undefined;
    return { entryId: done.entryId, account: (await this.get(id))! };
  }
}
