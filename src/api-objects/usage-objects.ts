import { z } from 'zod';
import type { BillingConfig } from '../billing/config-billing.js';
import type { UsageReport } from '../billing/usage.js';

/*
 * Usage reports as `GET /v1/usage`, `GET /admin/v1/usage` and `mediagate usage --json` answer them:
 * unix seconds, integer credits, and what a credit is worth.
 */

const usageRow = z.object({
  day: z.string().optional().describe('`YYYY-MM-DD`: the UTC day the jobs ended.'),
  model: z.string().optional(),
  unit: z.enum(['image', 'second']).nullable().optional().describe('What `units` counts for this model.'),
  api_key_id: z.string().nullable().optional(),
  jobs: z.number().int().describe('Jobs that ended in the period, whatever their outcome.'),
  succeeded: z.number().int(),
  units: z.number().describe('Images, or seconds of video, charged.'),
  cost: z.number().int().describe('Credits charged.'),
});

/** The report fields both the customer's and the operator's usage answers carry. */
export const usageReportFields = {
  since: z.number().int().describe('Unix seconds, inclusive.'),
  until: z.number().int().nullable().describe('Unix seconds, exclusive; null: up to now.'),
  group_by: z.array(z.enum(['day', 'model', 'key'])),
  rows: z.array(usageRow),
  totals: z
    .object({ jobs: z.number().int(), succeeded: z.number().int(), units: z.number(), cost: z.number().int() })
    .describe('Over every row. `units` mixes images and seconds when models of both kinds are included.'),
};

export const reportFields = (report: UsageReport) => ({
  since: Math.floor(report.since / 1000),
  until: report.until === undefined ? null : Math.ceil(report.until / 1000),
  group_by: report.group_by,
  rows: report.rows,
  totals: report.totals,
});

export const creditsUnit = z
  .object({
    unit: z.literal('credit'),
    per_currency_unit: z
      .number()
      .int()
      .describe('Credits in one unit of `currency` (1,000,000: a credit is a micro-dollar).'),
    currency: z.string(),
  })
  .describe('Every amount is a whole number of credits.');

export const toCreditsUnit = (billing: Pick<BillingConfig, 'creditsPerUnit' | 'currency'>) => ({
  unit: 'credit' as const,
  per_currency_unit: billing.creditsPerUnit,
  currency: billing.currency,
});

export const adminUsage = z
  .object({
    object: z.literal('usage'),
    filters: z.object({ account: z.string().nullable(), key: z.string().nullable(), model: z.string().nullable() }),
    ...usageReportFields,
    credits: creditsUnit,
  })
  .describe('AdminUsage');

export interface UsageFilters {
  account?: string;
  key?: string;
  model?: string;
}

/** Every account's usage, as the operator sees it (`GET /admin/v1/usage`, `mediagate usage`). */
export const toAdminUsage = (
  report: UsageReport,
  filters: UsageFilters,
  billing: Pick<BillingConfig, 'creditsPerUnit' | 'currency'>,
): z.infer<typeof adminUsage> => ({
  object: 'usage',
  filters: { account: filters.account ?? null, key: filters.key ?? null, model: filters.model ?? null },
  ...reportFields(report),
  credits: toCreditsUnit(billing),
});
