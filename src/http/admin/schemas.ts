import { z } from 'zod';
import { credits, limitFields } from '../../api-objects/account-objects.js';
import { ledgerKinds } from '../../api-objects/ledger-objects.js';

/*
 * The admin API's request bodies, parameters and queries. The objects it answers with are in
 * src/api-objects/ (the CLI prints the same ones).
 */

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

export const ledgerQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).optional().describe('Page size, 1–500 (default 100).'),
    before: z.string().max(100).optional().describe('An entry id: the page starts after it (older entries).'),
    kind: z.enum(ledgerKinds).optional(),
    job_id: z.string().max(100).optional(),
  })
  .strict();
