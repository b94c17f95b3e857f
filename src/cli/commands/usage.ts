import { type Command, InvalidArgumentError } from 'commander';
import { toAdminUsage, type UsageFilters } from '../../api-objects/usage-objects.js';
import { USAGE_GROUPS, type UsageGroup, type UsageReport, usageCsv, usageReport } from '../../billing/usage.js';
import { pastTime } from '../arguments.js';
import { DURATION_HINT, parseDuration } from '../../billing/time-expressions.js';
import { formatCredits, formatMoney, formatTime, type MoneyFormat, table } from '../output.js';
import { type CommandModule, UsageError } from '../program.js';

/** Without --since, usage covers the last 30 days (as `GET /admin/v1/usage` does). */
const DEFAULT_SINCE = '30d';

/** `--group-by day,model,key`; `none` (or nothing) for the totals only. */
function groupBy(text: string): UsageGroup[] {
  const groups = text
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '' && g !== 'none');
  for (const group of groups)
    if (!USAGE_GROUPS.includes(group as UsageGroup))
      throw new InvalidArgumentError(
        `Group by day, model and key (comma-separated), or none for the totals only; "${group}" is none of them.`,
      );
  return [...new Set(groups)] as UsageGroup[];
}

interface UsageOptions {
  since?: number;
  until?: number;
  account?: string;
  key?: string;
  model?: string;
  groupBy?: UsageGroup[];
  csv?: boolean;
}

const COLUMNS: Record<UsageGroup, string[]> = { day: ['DAY'], model: ['MODEL', 'UNIT'], key: ['KEY'] };

function usageTable(report: UsageReport, filters: UsageFilters, money: MoneyFormat): string {
  const scope = [
    filters.account ? `account ${filters.account}` : 'all accounts',
    ...(filters.key ? [`key ${filters.key}`] : []),
    ...(filters.model ? [`model ${filters.model}`] : []),
  ].join(', ');
  const period = `${formatTime(report.since)} to ${report.until === undefined ? 'now' : formatTime(report.until)}`;
  const rows = report.rows.map((row) => [
    ...report.group_by.flatMap((g) =>
      g === 'day' ? [row.day ?? '-'] : g === 'model' ? [row.model ?? '-', row.unit ?? '-'] : [row.api_key_id ?? '-'],
    ),
    String(row.jobs),
    String(row.succeeded),
    formatCredits(row.units),
    formatCredits(row.cost),
  ]);
  const { totals } = report;
  const lines = [
    `Usage of ${scope}, ${period} (jobs counted on the day they ended)\n`,
    report.group_by.length > 0
      ? table([...report.group_by.flatMap((g) => COLUMNS[g]), 'JOBS', 'SUCCEEDED', 'UNITS', 'COST'], rows)
      : '',
    `total: ${totals.jobs} job(s), ${totals.succeeded} succeeded, cost ${formatMoney(totals.cost, money)}\n`,
  ];
  return lines.join('');
}

/** `usage`: what was charged, from the ledger's captures, by day, model and key; a table, CSV or JSON. */
export const usageCommand: CommandModule = (program, run) => {
  program
    .command('usage')
    .description(
      'what jobs were charged, from the ledger: each ended job once, on the day it ended (--json: as GET /admin/v1/usage)',
    )
    .option(
      '--since <when>',
      `start: ${DURATION_HINT} ago, a date such as 2026-11-01, or unix seconds (default 30d)`,
      pastTime(),
    )
    .option('--until <when>', `end (exclusive): as --since (default now)`, pastTime())
    .option('--account <id>', 'only this account (acct_…)')
    .option('--key <id>', 'only this API key (key_…)')
    .option('--model <model>', 'only this public model')
    .option('--group-by <groups>', 'comma-separated day, model, key; none for totals only (default day,model)', groupBy)
    .option('--csv', 'print CSV (a header row, one row per group, a last row total)')
    .action((options: UsageOptions, command: Command) => {
      if (options.csv && command.optsWithGlobals().json) throw new UsageError('Give --csv or --json, not both.');
      const since = options.since ?? Date.now() - (parseDuration(DEFAULT_SINCE) ?? 0);
      if (options.until !== undefined && options.until <= since)
        throw new UsageError('--until must be later than --since.');
      const filters: UsageFilters = {
        ...(options.account !== undefined && { account: options.account }),
        ...(options.key !== undefined && { key: options.key }),
        ...(options.model !== undefined && { model: options.model }),
      };
      return run(command, async (ctx) => {
        const report = await usageReport(ctx.db, {
          since,
          ...(options.until !== undefined && { until: options.until }),
          groupBy: options.groupBy ?? ['day', 'model'],
          ...(filters.account !== undefined && { accountId: filters.account }),
          ...(filters.key !== undefined && { apiKeyId: filters.key }),
          ...(filters.model !== undefined && { model: filters.model }),
        });
        ctx.print(
          report,
          (r) => toAdminUsage(r, filters, ctx.money),
          (r) => (options.csv ? usageCsv(r) : usageTable(r, filters, ctx.money)),
        );
      });
    });
};
