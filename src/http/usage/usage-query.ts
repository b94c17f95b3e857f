import { z } from 'zod';
import { USAGE_GROUPS, type UsageGroup, type UsageReport } from '../../billing/usage.js';
import { badRequest } from '../errors.js';

const DAY_MS = 86_400_000;
/** Without `since`, usage covers the last 30 days. */
export const DEFAULT_USAGE_DAYS = 30;

const time = (what: string) =>
  z
    .string()
    .max(64)
    .optional()
    .describe(
      `${what}: an ISO 8601 date or time (\`2026-12-01\`, \`2026-12-01T12:00:00Z\`, UTC unless it says) or unix seconds.`,
    );

export const usageQueryFields = {
  since: time('Start, inclusive (default 30 days ago)'),
  until: time('End, exclusive (default now)'),
  group_by: z
    .string()
    .max(64)
    .optional()
    .describe(
      'Breakdown: a comma list of `day` (UTC), `model` and `key` (default `day,model`); empty for totals only.',
    ),
};

/** Unix milliseconds from an ISO date or time, or from unix seconds; a 400 naming the parameter otherwise. */
export function parseTime(value: string, param: string): number {
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw badRequest(
      `${param} must be an ISO 8601 date or time such as 2026-12-01 or 2026-12-01T12:00:00Z, or unix seconds; got '${value.slice(0, 64)}'.`,
      param,
    );
  return ms;
}

export function parseGroupBy(value: string | undefined): UsageGroup[] {
  if (value === undefined) return ['day', 'model'];
  const groups = value
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  for (const group of groups)
    if (!USAGE_GROUPS.includes(group as UsageGroup))
      throw badRequest(
        `group_by takes day, model and key (comma-separated); '${group.slice(0, 32)}' is none of them.`,
        'group_by',
      );
  return groups as UsageGroup[];
}

/** The period and breakdown of a usage request. */
export function usagePeriod(query: { since?: string; until?: string; group_by?: string }, now = Date.now()) {
  const until = query.until === undefined ? undefined : parseTime(query.until, 'until');
  const since = query.since === undefined ? now - DEFAULT_USAGE_DAYS * DAY_MS : parseTime(query.since, 'since');
  if (until !== undefined && until <= since) throw badRequest('until must be later than since.', 'until');
  return { since, until, groupBy: parseGroupBy(query.group_by) };
}

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
