import { z } from 'zod';
import type { AdminKey } from '../accounts/admin-key-store.js';
import type { Account, CustomerKey } from '../accounts/types.js';

/*
 * The operator's objects, as the admin API answers them and `mediagate … --json` prints them: snake_case,
 * an `object` field, amounts as integers in credits, times as unix seconds (as in OpenAI's API).
 */

export const credits = z.number().int().describe('Credits (integers; see billing.creditsPerUnit).');
export const unixSeconds = (ms: number) => Math.floor(ms / 1000);
export const unixSecondsOrNull = (ms: number | null) => (ms === null ? null : unixSeconds(ms));

export const limitFields = {
  models: z.array(z.string()).nullable().describe('Public model names allowed; null allows every model.'),
  rpm_limit: z.number().int().positive().nullable().describe('Requests per minute that create jobs; null: none.'),
  concurrency_limit: z.number().int().positive().nullable().describe('Jobs running at once; null: none.'),
};

export const accountObject = z.object({
  object: z.literal('account'),
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  balance: credits,
  reserved: credits.describe('Held by running jobs until they end.'),
  available: credits.describe('balance − reserved: what new jobs can use (prepaid accounts).'),
  active_jobs: z.number().int(),
  prepaid: z.boolean().describe('false: usage is metered but no balance stops it (the default account).'),
  monthly_spend_limit: credits.nullable(),
  ...limitFields,
  created_at: z.number().int(),
  updated_at: z.number().int(),
});

export const keyObject = z.object({
  object: z.literal('api_key'),
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the secret, to recognise it.'),
  created_at: z.number().int(),
  last_used_at: z.number().int().nullable(),
  expires_at: z.number().int().nullable(),
  revoked_at: z.number().int().nullable(),
  spend_limit: credits.nullable(),
  spent: credits,
  reserved: credits,
  active_jobs: z.number().int(),
  ...limitFields,
});

export const createdKeyObject = keyObject.extend({
  key: z.string().describe('The secret. Shown only in this answer; only its hash is stored.'),
});

export const accountList = z.object({ object: z.literal('list'), data: z.array(accountObject) });
export const keyList = z.object({ object: z.literal('list'), data: z.array(keyObject) });

export const topUpObject = z.object({
  object: z.literal('account.top_up'),
  id: z.string().describe('The ledger entry.'),
  amount: credits,
  note: z.string().nullable(),
  account: accountObject,
});

export const adjustmentObject = z.object({
  object: z.literal('account.adjustment'),
  id: z.string().describe('The ledger entry.'),
  amount: credits,
  note: z.string(),
  account: accountObject,
});

export type AccountObject = z.infer<typeof accountObject>;
export type KeyObject = z.infer<typeof keyObject>;

export function toAccountObject(account: Account): AccountObject {
  return {
    object: 'account',
    id: account.id,
    name: account.name,
    status: account.status,
    balance: account.balance,
    reserved: account.reserved,
    available: account.balance - account.reserved,
    active_jobs: account.activeJobs,
    prepaid: account.prepaid,
    monthly_spend_limit: account.monthlySpendLimit,
    models: account.models,
    rpm_limit: account.rpmLimit,
    concurrency_limit: account.concurrencyLimit,
    created_at: unixSeconds(account.createdAt),
    updated_at: unixSeconds(account.updatedAt),
  };
}

export function toKeyObject(key: CustomerKey): KeyObject {
  return {
    object: 'api_key',
    id: key.id,
    account_id: key.accountId,
    name: key.name,
    prefix: key.prefix,
    created_at: unixSeconds(key.createdAt),
    last_used_at: unixSecondsOrNull(key.lastUsedAt),
    expires_at: unixSecondsOrNull(key.expiresAt),
    revoked_at: unixSecondsOrNull(key.revokedAt),
    spend_limit: key.spendLimit,
    spent: key.spent,
    reserved: key.reserved,
    active_jobs: key.activeJobs,
    models: key.models,
    rpm_limit: key.rpmLimit,
    concurrency_limit: key.concurrencyLimit,
  };
}

/** A new key with its secret: the only answer that ever carries it. */
export const toCreatedKeyObject = (key: CustomerKey, secret: string): z.infer<typeof createdKeyObject> => ({
  ...toKeyObject(key),
  key: secret,
});

export const toAccountList = (accounts: Account[]) => ({
  object: 'list' as const,
  data: accounts.map(toAccountObject),
});

export const toKeyList = (keys: CustomerKey[]) => ({ object: 'list' as const, data: keys.map(toKeyObject) });

/** A credit to an account: the ledger entry it made and the account after it. */
interface Credited {
  entryId: string;
  amount: number;
  account: Account;
}

export const toTopUpObject = (done: Credited, note: string | undefined): z.infer<typeof topUpObject> => ({
  object: 'account.top_up',
  id: done.entryId,
  amount: done.amount,
  note: note ?? null,
  account: toAccountObject(done.account),
});

export const toAdjustmentObject = (done: Credited, note: string): z.infer<typeof adjustmentObject> => ({
  object: 'account.adjustment',
  id: done.entryId,
  amount: done.amount,
  note,
  account: toAccountObject(done.account),
});

/** An admin key (no admin route creates one: the CLI and the first start do), its secret when just made. */
export function toAdminKeyObject(key: AdminKey, secret?: string) {
  return {
    object: 'admin_key' as const,
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: unixSeconds(key.createdAt),
    revoked_at: unixSecondsOrNull(key.revokedAt),
    ...(secret !== undefined && { key: secret }),
  };
}
