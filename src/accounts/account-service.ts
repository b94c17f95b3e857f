import type { Kysely } from 'kysely';
import type { BillingConfig, ModelPrice } from '../billing/config-billing.js';
import { type LedgerEntry, type LedgerQuery, listLedgerEntries } from '../billing/ledger-entries.js';
import { MAX_BALANCE } from '../billing/ledger.js';
import { type PricedModel, PriceBook } from '../billing/price-book.js';
import { catalogName, findModel } from '../catalog/index.js';
import type { DatabaseSchema } from '../db/schema.js';
import { type AccountChanges, type NewAccount, SqlAccountStore } from './account-store.js';
import { SqlAdminKeyStore } from './admin-key-store.js';
import { type KeyChanges, type NewKey, SqlKeyStore } from './key-store.js';
import { OperatorError } from './operator-error.js';
import type { Account, CustomerKey } from './types.js';

const MAX_AMOUNT = MAX_BALANCE;

function checkModels(models: readonly string[] | null | undefined, param: string): void {
  for (const model of models ?? []) {
    if (!findModel(model))
      throw new OperatorError('model_not_found', `${model} is not a model of this gateway's catalog.`, param);
  }
}

function checkAmount(amount: number, param: string, signed = false): void {
  if (!Number.isSafeInteger(amount) || Math.abs(amount) > MAX_AMOUNT || (signed ? amount === 0 : amount <= 0))
    throw new OperatorError(
      'invalid_value',
      `${param} must be ${signed ? 'a non-zero' : 'a positive'} whole number of credits.`,
      param,
    );
}

/** An image model is priced per image, a video model per second: a price in the other unit would never apply. */
function checkPriceUnit(model: string, price: ModelPrice): void {
  const spec = findModel(model);
  if (!spec) return; // checkModels names the model
  const [field, wrong, unit, wrongName] =
    spec.kind === 'video'
      ? (['perSecond', 'perImage', 'per_second', 'per_image'] as const)
      : (['perImage', 'perSecond', 'per_image', 'per_second'] as const);
  if (price[wrong] !== undefined || price.rules.some((r) => r[wrong] !== undefined))
    throw new OperatorError(
      'invalid_value',
      `${spec.id} is a ${spec.kind} model, priced with ${unit}; ${wrongName} would never apply.`,
      wrongName,
    );
  if (price[field] === undefined && !price.rules.some((r) => r[field] !== undefined))
    throw new OperatorError(
      'invalid_value',
      `A price for ${spec.id} needs ${unit} (as the base price or in a rule).`,
      unit,
    );
}

/**
 * Everything an operator does to accounts, keys, money and prices. The admin API and the CLI are two
 * faces of this one class, so they cannot drift apart.
 */
export class AccountService {
  readonly accounts: SqlAccountStore;
  readonly keys: SqlKeyStore;
  readonly adminKeys: SqlAdminKeyStore;
  readonly prices: PriceBook;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    billing: Pick<BillingConfig, 'prices' | 'unpricedModels'>,
    prices?: PriceBook,
  ) {
    this.accounts = new SqlAccountStore(db);
    this.keys = new SqlKeyStore(db);
    this.adminKeys = new SqlAdminKeyStore(db);
    this.prices = prices ?? new PriceBook(db, billing);
  }

  async createAccount(account: NewAccount): Promise<Account> {
    if (account.balance !== undefined && account.balance !== 0) checkAmount(account.balance, 'balance');
    checkModels(account.models, 'models');
    return this.accounts.create(account);
  }

  async account(id: string): Promise<Account> {
    const account = await this.accounts.get(id);
    if (!account) throw new OperatorError('account_not_found', `No account ${id}.`, 'id');
    return account;
  }

  listAccounts(): Promise<Account[]> {
    return this.accounts.list();
  }

  async updateAccount(id: string, changes: AccountChanges): Promise<Account> {
    checkModels(changes.models, 'models');
    await this.account(id);
    return (await this.accounts.update(id, changes))!;
  }

  /** A top-up (positive) or a signed adjustment, recorded in the ledger. */
  async credit(
    id: string,
    kind: 'top_up' | 'adjustment',
    amount: number,
    note?: string,
  ): Promise<{ entryId: string; account: Account }> {
    checkAmount(amount, 'amount', kind === 'adjustment');
    const done = await this.accounts.credit(id, kind, amount, note);
    if (done) return done;
    await this.account(id);
    throw new OperatorError(
      'invalid_value',
      `That would take the balance beyond ±${MAX_BALANCE.toLocaleString('en-US')} credits, the most an account holds.`,
      'amount',
    );
  }

  ledger(query: LedgerQuery): Promise<LedgerEntry[]> {
    return listLedgerEntries(this.db, query);
  }

  async createKey(key: NewKey): Promise<{ key: CustomerKey; secret: string }> {
    await this.account(key.accountId);
    checkModels(key.models, 'models');
    return this.keys.create(key);
  }

  async key(id: string): Promise<CustomerKey> {
    const key = await this.keys.get(id);
    if (!key) throw new OperatorError('key_not_found', `No API key ${id}.`, 'id');
    return key;
  }

  listKeys(accountId?: string): Promise<CustomerKey[]> {
    return this.keys.list(accountId);
  }

  async updateKey(id: string, changes: KeyChanges): Promise<CustomerKey> {
    checkModels(changes.models, 'models');
    await this.key(id);
    return (await this.keys.update(id, changes))!;
  }

  async revokeKey(id: string): Promise<CustomerKey> {
    await this.key(id);
    return (await this.keys.revoke(id))!;
  }

  listPrices(): Promise<PricedModel[]> {
    return this.prices.list();
  }

  /** Prices are kept under the catalog's spelling of the model, whatever case the operator typed. */
  async setPrice(model: string, price: ModelPrice): Promise<PricedModel> {
    checkModels([model], 'model');
    checkPriceUnit(model, price);
    return this.prices.set(catalogName(model), price);
  }

  async resetPrice(model: string): Promise<PricedModel | undefined> {
    checkModels([model], 'model');
    await this.prices.reset(catalogName(model));
    return this.prices.get(catalogName(model));
  }
}
