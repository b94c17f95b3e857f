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
 * (`keys create --expires 30d`, `usage --since 7d`).
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
