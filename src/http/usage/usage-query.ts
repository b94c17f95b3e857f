import { z } from 'zod';
import { USAGE_GROUPS, type UsageGroup } from '../../billing/usage.js';
import { badRequest } from '../errors.js';
import { PAST_TIME_HINT, parsePastTime } from '../../billing/time-expressions.js';

const DAY_MS = 86_400_000;
/** Without `since`, usage covers the last 30 days. */
export const DEFAULT_USAGE_DAYS = 30;

const time = (what: string) =>
  z
    .string()
    .max(64)
    .optional()
    .describe(
      `${what}: a duration ago (\`7d\`, \`24h\`), an ISO 8601 date or time (\`2026-12-01\`, \`2026-12-01T12:00:00Z\`, UTC unless it says) or unix seconds.`,
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

/** Unix milliseconds from any form `parsePastTime` takes (`7d`, an ISO date or time, unix seconds); a 400 naming the parameter otherwise. */
export function parseTime(value: string, param: string, now = Date.now()): number {
  const time = parsePastTime(value, now);
  if (time === undefined) throw badRequest(`${param} must be ${PAST_TIME_HINT}; got '${value.slice(0, 64)}'.`, param);
  return time;
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
  const until = query.until === undefined ? undefined : parseTime(query.until, 'until', now);
  const since = query.since === undefined ? now - DEFAULT_USAGE_DAYS * DAY_MS : parseTime(query.since, 'since', now);
  if (until !== undefined && until <= since) throw badRequest('until must be later than since.', 'until');
  return { since, until, groupBy: parseGroupBy(query.group_by) };
}
