import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AccountService } from '../../accounts/account-service.js';
import { creditsUnit, reportFields, toCreditsUnit, usageReportFields } from '../../api-objects/usage-objects.js';
import type { BillingConfig } from '../../billing/config-billing.js';
import { usageReport } from '../../billing/usage.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { usagePeriod, usageQueryFields } from './usage-query.js';

export interface UsageDeps {
  db: Kysely<DatabaseSchema>;
  operator: Pick<AccountService, 'account'>;
  billing: Pick<BillingConfig, 'creditsPerUnit' | 'currency'>;
}

export const customerUsage = z
  .object({
    object: z.literal('usage'),
    account_id: z.string(),
    ...usageReportFields,
    balance: z.number().int().describe('Credits on the account.'),
    reserved: z.number().int().describe('Credits held by jobs still running; settled when they end.'),
    available: z.number().int().describe('balance − reserved: what new jobs can use (prepaid accounts).'),
    prepaid: z.boolean().describe('False: the account is billed afterwards, and its balance does not stop requests.'),
    credits: creditsUnit,
  })
  .describe('Usage');

const schema = {
  operationId: 'retrieveUsage',
  tags: ['Usage'],
  summary: "The account's usage and balance",
  description:
    "Usage of the caller's account — every key of it, broken down by `key` when asked — from the ledger: each ended job counts once, on the day it ended, with the credits captured for what it delivered (0 for a failed, cancelled or moderated job). Also the account's balance and what running jobs hold.",
  querystring: z.object(usageQueryFields),
  response: { 200: customerUsage },
};

/**
 * `GET /v1/usage`: the account's usage (all its keys: one customer owns an account's keys) and its
 * balance. Nothing of another account is reachable: the account is the caller key's.
 */
export async function customerUsageRoutes(app: FastifyInstance, deps: UsageDeps): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get('/v1/usage', { schema }, async (request) => {
    const period = usagePeriod(request.query);
    const accountId = request.apiKey.accountId;
    const [report, account] = await Promise.all([
      usageReport(deps.db, { accountId, ...period }),
      deps.operator.account(accountId),
    ]);
    return {
      object: 'usage' as const,
      account_id: accountId,
      ...reportFields(report),
      balance: account.balance,
      reserved: account.reserved,
      available: account.balance - account.reserved,
      prepaid: account.prepaid,
      credits: toCreditsUnit(deps.billing),
    };
  });
}
