import { type Kysely, sql } from 'kysely';
import { findModel } from '../catalog/index.js';
import type { DatabaseSchema } from '../db/schema.js';

export type UsageGroup = 'day' | 'model' | 'key';

export const USAGE_GROUPS: readonly UsageGroup[] = ['day', 'model', 'key'];

export interface UsageQuery {
  accountId?: string;
  apiKeyId?: string;
  model?: string;
  /** Unix milliseconds, inclusive. */
  since: number;
  /** Unix milliseconds, exclusive; absent: up to now. */
  until?: number;
  /** Breakdown, in this order of columns; empty: totals only. */
  groupBy: readonly UsageGroup[];
}

export interface UsageRow {
  /** `YYYY-MM-DD`, the UTC day the jobs ended (grouped by day). */
  day?: string;
  model?: string;
  /** 'image' or 'second': what `units` counts for this model (grouped by model). */
  unit?: 'image' | 'second' | null;
  api_key_id?: string | null;
  /** Jobs that ended (settled) in the period, whatever their outcome. */
  jobs: number;
  /** Of those, the ones that succeeded. */
  succeeded: number;
  /** Images, or seconds of video, charged. Summed across models only in totals, where kinds mix. */
  units: number;
  /** Credits captured. */
  cost: number;
}

export interface UsageReport {
  since: number;
  until?: number;
  group_by: UsageGroup[];
  rows: UsageRow[];
  totals: { jobs: number; succeeded: number; units: number; cost: number };
}

const DAY_MS = 86_400_000;

/** Aggregates come back as numbers on SQLite and as strings (numeric) on PostgreSQL. */
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

const unitOf = (model: string | null): UsageRow['unit'] => {
  const spec = model === null ? undefined : findModel(model);
  return spec ? (spec.kind === 'video' ? 'second' : 'image') : null;
};

/**
 * Usage from the ledger: one `capture` entry per ended job (0 for a job that delivered nothing),
 * joined to its job for the units billed and the outcome. Each job counts once, on the day it
 * ended. The same SQL runs on SQLite and PostgreSQL: the day is an integer bucket
 * (`created_at / 86400000`, integer division on both) formatted here, and every sum is read with
 * `Number()` because PostgreSQL answers `numeric` for sums of bigints.
 */
export async function usageReport(db: Kysely<DatabaseSchema>, query: UsageQuery): Promise<UsageReport> {
  const groups = USAGE_GROUPS.filter((g) => query.groupBy.includes(g));
  const dayBucket = sql<number>`le.created_at / 86400000`;
  let select = db
    .selectFrom('ledger_entries as le')
    .leftJoin('jobs as j', 'j.id', 'le.job_id')
    .where('le.kind', '=', 'capture')
    .where('le.created_at', '>=', query.since)
    .select([
      sql<number | string>`count(*)`.as('jobs'),
      sql<number | string>`sum(case when j.status = 'succeeded' then 1 else 0 end)`.as('succeeded'),
      sql<number | string | null>`sum(coalesce(j.billed_units, 0))`.as('units'),
      sql<number | string | null>`sum(le.amount)`.as('cost'),
    ]);
  if (query.until !== undefined) select = select.where('le.created_at', '<', query.until);
  if (query.accountId !== undefined) select = select.where('le.account_id', '=', query.accountId);
  if (query.apiKeyId !== undefined) select = select.where('le.api_key_id', '=', query.apiKeyId);
  if (query.model !== undefined) select = select.where('le.model', '=', query.model);
  if (groups.includes('day')) select = select.select(dayBucket.as('day')).groupBy(dayBucket).orderBy(dayBucket);
  if (groups.includes('model')) select = select.select('le.model').groupBy('le.model').orderBy('le.model');
  if (groups.includes('key')) select = select.select('le.api_key_id').groupBy('le.api_key_id').orderBy('le.api_key_id');
  const found = await select.execute();

  const rows: UsageRow[] = found.map((r) => {
    const row = r as typeof r & { day?: number | string; model?: string | null; api_key_id?: string | null };
    return {
      ...(groups.includes('day') && { day: new Date(num(row.day) * DAY_MS).toISOString().slice(0, 10) }),
      ...(groups.includes('model') && { model: row.model ?? '', unit: unitOf(row.model ?? null) }),
      ...(groups.includes('key') && { api_key_id: row.api_key_id ?? null }),
      jobs: num(row.jobs),
      succeeded: num(row.succeeded),
      units: num(row.units),
      cost: num(row.cost),
    };
  });
  // Totals over the rows when there are rows; a report with no breakdown is its one row.
  const totals = { jobs: 0, succeeded: 0, units: 0, cost: 0 };
  for (const row of rows) {
    totals.jobs += row.jobs;
    totals.succeeded += row.succeeded;
    totals.units += row.units;
    totals.cost += row.cost;
  }
  return {
    since: query.since,
    ...(query.until !== undefined && { until: query.until }),
    group_by: groups,
    rows: groups.length === 0 ? [] : rows,
    totals,
  };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (fields: (string | number | null | undefined)[]) => `${fields.map(csvField).join(',')}\r\n`;

/**
 * The report as CSV (RFC 4180, CRLF line ends): a header row, one row per group, and a last row
 * `total` with the totals (its group columns empty, the first one saying `total`).
 */
export function usageCsv(report: UsageReport): string {
  const groupColumns = report.group_by.flatMap((g) =>
    g === 'day' ? ['day'] : g === 'model' ? ['model', 'unit'] : ['api_key_id'],
  );
  const header = [...groupColumns, 'jobs', 'succeeded', 'units', 'cost'];
  let out = csvLine(header);
  for (const row of report.rows) {
    const record = row as unknown as Record<string, string | number | null | undefined>;
    out += csvLine([...groupColumns.map((c) => record[c]), row.jobs, row.succeeded, row.units, row.cost]);
  }
  const { totals } = report;
  const label = groupColumns.length === 0 ? [] : ['total', ...groupColumns.slice(1).map(() => '')];
  out += csvLine([...label, totals.jobs, totals.succeeded, totals.units, totals.cost]);
  return out;
}
