import { z } from 'zod';
import { USAGE_GROUPS, type UsageGroup } from '../../billing/usage.js';
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
