const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A span of time written the way operators type it — `30m`, `24h`, `7d`, `2w` (also `45s`) — in
 * milliseconds; undefined when the text is not one. Shared by every option that takes a duration
 * (`keys create --expires 30d`, `usage --since 7d`, `?since=7d`).
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhdw])$/.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (!Number.isSafeInteger(amount) || amount <= 0) return undefined;
  const ms = amount * UNITS[match[2]];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export const DURATION_HINT = 'a duration such as 30m, 24h or 7d';

/**
 * A point in the past as the API and the CLI both take it, in unix milliseconds: a duration ago
 * (`7d`), an ISO 8601 date or time (`2026-12-01`, `2026-12-01T12:00:00Z`, UTC unless it says), or
 * unix seconds. Undefined when the text is none of them; each caller words its own refusal.
 */
export function parsePastTime(text: string, now = Date.now()): number | undefined {
  const value = text.trim();
  const span = parseDuration(value);
  if (span !== undefined) return now - span;
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

export const PAST_TIME_HINT = `${DURATION_HINT} (that long ago), an ISO 8601 date or time such as 2026-12-01 or 2026-12-01T12:00:00Z, or unix seconds`;
