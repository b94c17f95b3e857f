import { formatCredits } from '../billing/ledger.js';

/** The CLI prints credits as the ledger's refusals do. */
export { formatCredits };

/** How amounts read for people: 5,000,000 (5.00 USD). Scripts read the plain integers of `--json`. */
export interface MoneyFormat {
  creditsPerUnit: number;
  currency: string;
}

export function formatMoney(amount: number, money: MoneyFormat): string {
  const units = (amount / money.creditsPerUnit).toFixed(2);
  return `${formatCredits(amount)} (${units} ${money.currency})`;
}

/** A time for people: UTC, to the second; "-" for none. */
export const formatTime = (ms: number | null | undefined) =>
  ms === null || ms === undefined
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z');

/** A limit for people: the value, or "-" when there is none. */
export const formatLimit = (value: number | string[] | null | undefined) =>
  value === null || value === undefined ? '-' : Array.isArray(value) ? value.join(',') : formatCredits(value);

/** Columns aligned with spaces, a header row first. */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** `key: value` lines, the values aligned. */
export function fields(entries: [string, string][]): string {
  const width = Math.max(...entries.map(([k]) => k.length)) + 1;
  return `${entries.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n')}\n`;
}
