import { z } from 'zod';
import type { Account, CustomerKey } from '../../accounts/types.js';
import type { LedgerEntry } from '../../billing/ledger-entries.js';

/* The admin API's objects. Amounts are integers in credits; times are unix seconds, as in OpenAI's API. */

const credits = z.number().int().describe('Credits (integers; see billing.creditsPerUnit).');
const seconds = (ms: number) => Math.floor(ms / 1000);
const secondsOrNull = (ms: number | null) => (ms === null ? null : seconds(ms));

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

export function toAccountObject(account: Account): z.infer<typeof accountObject> {
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
    created_at: seconds(account.createdAt),
    updated_at: seconds(account.updatedAt),
  };
}

export function toKeyObject(key: CustomerKey): z.infer<typeof keyObject> {
  return {
    object: 'api_key',
    id: key.id,
    account_id: key.accountId,
    name: key.name,
    prefix: key.prefix,
    created_at: seconds(key.createdAt),
    last_used_at: secondsOrNull(key.lastUsedAt),
    expires_at: secondsOrNull(key.expiresAt),
    revoked_at: secondsOrNull(key.revokedAt),
    spend_limit: key.spendLimit,
    spent: key.spent,
    reserved: key.reserved,
    active_jobs: key.activeJobs,
    models: key.models,
    rpm_limit: key.rpmLimit,
    concurrency_limit: key.concurrencyLimit,
  };
}

const name = z.string().trim().min(1).max(200);
const optionalLimits = {
  models: limitFields.models.optional(),
  rpm_limit: limitFields.rpm_limit.optional(),
  concurrency_limit: limitFields.concurrency_limit.optional(),
};

export const createAccountBody = z
  .object({
    name,
    balance: credits.min(0).optional().describe('Opening balance, recorded as a top-up.'),
    prepaid: z.boolean().optional(),
    monthly_spend_limit: credits.min(0).nullable().optional(),
    ...optionalLimits,
  })
  .strict();

export const createKeyBody = z
  .object({
    name,
    spend_limit: credits.min(0).nullable().optional(),
    expires_at: z.number().int().positive().nullable().optional().describe('Unix seconds.'),
    ...optionalLimits,
  })
  .strict();

export const topUpBody = z.object({ amount: credits.positive(), note: z.string().max(500).optional() }).strict();

export const topUpObject = z.object({
  object: z.literal('account.top_up'),
  id: z.string().describe('The ledger entry.'),
  amount: credits,
  note: z.string().nullable(),
  account: accountObject,
});

export const accountIdParams = z.object({ id: z.string().max(100) });

/** Limit fields as the stores name them, from a body's snake_case. */
export const limitsFromBody = (body: {
  models?: string[] | null;
  rpm_limit?: number | null;
  concurrency_limit?: number | null;
}) => ({
  ...(body.models !== undefined && { models: body.models }),
  ...(body.rpm_limit !== undefined && { rpmLimit: body.rpm_limit }),
  ...(body.concurrency_limit !== undefined && { concurrencyLimit: body.concurrency_limit }),
});

/** 9999-12-31: later times would not fit the stored milliseconds. */
const MAX_UNIX_SECONDS = 253_402_300_799;

export const keyIdParams = z.object({ id: z.string().max(100) });

export const accountList = z.object({ object: z.literal('list'), data: z.array(accountObject) });
export const keyList = z.object({ object: z.literal('list'), data: z.array(keyObject) });

export const accountListQuery = z
  .object({ status: z.enum(['active', 'suspended']).optional().describe('Only accounts with this status.') })
  .strict();

export const updateAccountBody = z
  .object({
    name: name.optional(),
    status: z.enum(['active', 'suspended']).optional(),
    prepaid: z.boolean().optional(),
    monthly_spend_limit: credits.min(0).nullable().optional(),
    ...optionalLimits,
  })
  .strict();

export const updateKeyBody = z
  .object({
    name: name.optional(),
    spend_limit: credits.min(0).nullable().optional(),
    expires_at: z
      .number()
      .int()
      .positive()
      .max(MAX_UNIX_SECONDS)
      .nullable()
      .optional()
      .describe('Unix seconds; a time in the past expires the key now; null: never.'),
    ...optionalLimits,
  })
  .strict();

export const adjustmentBody = z
  .object({
    amount: credits.describe('Signed, non-zero: positive adds credits, negative takes them away.'),
    note: z.string().trim().min(1).max(500).describe('Why: kept in the ledger.'),
  })
  .strict();

export const adjustmentObject = z.object({
  object: z.literal('account.adjustment'),
  id: z.string().describe('The ledger entry.'),
  amount: credits,
  note: z.string(),
  account: accountObject,
});

const ledgerKinds = ['top_up', 'reservation', 'capture', 'release', 'adjustment', 'loss'] as const;

export const ledgerQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).optional().describe('Page size, 1–500 (default 100).'),
    before: z.string().max(100).optional().describe('An entry id: the page starts after it (older entries).'),
    kind: z.enum(ledgerKinds).optional(),
    job_id: z.string().max(100).optional(),
  })
  .strict();

export const ledgerEntryObject = z.object({
  object: z.literal('ledger_entry'),
  id: z.string().describe('Time-sortable.'),
  account_id: z.string(),
  api_key_id: z.string().nullable(),
  job_id: z.string().nullable(),
  kind: z.enum(ledgerKinds),
  amount: credits.describe('A magnitude ≥ 0, except for adjustments (signed).'),
  model: z.string().nullable(),
  note: z.string().nullable(),
  created_at: z.number().int(),
});

export const ledgerList = z.object({
  object: z.literal('list'),
  data: z.array(ledgerEntryObject),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});

export function toLedgerEntryObject(entry: LedgerEntry): z.infer<typeof ledgerEntryObject> {
  return {
    object: 'ledger_entry',
    id: entry.id,
    account_id: entry.accountId,
    api_key_id: entry.apiKeyId,
    job_id: entry.jobId,
    kind: entry.kind,
    amount: entry.amount,
    model: entry.model,
    note: entry.note,
    created_at: seconds(entry.createdAt),
  };
}
