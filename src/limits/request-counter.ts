import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';

/** Limits are per minute, counted in fixed windows aligned on the clock's minutes. */
export const WINDOW_MS = 60_000;

/** Windows this old are deleted: the current and the previous one stay, with a margin for clock skew. */
const KEEP_MS = 2 * WINDOW_MS;

/** Whose requests a limit counts: one API key, or every key of an account together. */
export type RateScope = 'key' | 'account';

/** A requests-per-minute limit that applies to one request. */
export interface RateLimit {
  scope: RateScope;
  /** The key's or the account's id. */
  id: string;
  /** Requests per minute; 0 or less refuses every request. */
  limit: number;
}

/** Where one limit stands after a request was counted (or refused). */
export interface RateState extends RateLimit {
  remaining: number;
  /** Milliseconds until the window ends and the count starts again at 0 (1 to 60,000). */
  resetMs: number;
}

export type RateDecision =
  /** Counted against every limit; `state` is the stricter one (fewest requests left), null when none applied. */
  | { allowed: true; state: RateState | null }
  /** Refused by `state`'s limit, and counted against none. */
  | { allowed: false; state: RateState };

/** The limit with the fewest requests left answers for the request; on a tie, the smaller limit. */
function stricter(states: readonly RateState[]): RateState | null {
  let best: RateState | null = null;
  for (const state of states) {
    if (!best || state.remaining < best.remaining || (state.remaining === best.remaining && state.limit < best.limit))
      best = state;
  }
  return best;
}

/**
 * Requests-per-minute counters in the database (`rate_counters`), so every instance on the same
 * database counts against the same numbers. Each limit is one row per scope (`key:<id>`,
 * `account:<id>`) and minute; a request is counted by one upsert that increments only while the count
 * is below the limit, so two instances can never both take the last request of a window.
 *
 * A refused request is not counted: the scope that refuses does not increment, and a scope counted
 * before another one refused is decremented again. A client that keeps retrying through its 429s
 * therefore gets in as soon as the window turns, instead of being locked out by its own refusals.
 *
 * Nothing is written when no limit applies, so unlimited keys cost nothing. Windows older than two
 * minutes are deleted by the first request this instance counts in each new window.
 */
export class RequestCounter {
  private readonly now: () => number;
  private prunedWindow = -1;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Counts one request against every limit in `limits`, all or none. */
  async admit(limits: readonly RateLimit[]): Promise<RateDecision> {
    if (limits.length === 0) return { allowed: true, state: null };
    const now = this.now();
    const windowStart = now - (now % WINDOW_MS);
    const resetMs = windowStart + WINDOW_MS - now;
    await this.prune(windowStart, now);
    const counted: RateState[] = [];
    for (const limit of limits) {
      const count = await this.increment(scopeOf(limit), windowStart, limit.limit);
      if (count === undefined) {
        for (const done of counted) await this.decrement(scopeOf(done), windowStart);
        return { allowed: false, state: { ...limit, remaining: 0, resetMs } };
      }
      counted.push({ ...limit, remaining: Math.max(0, limit.limit - count), resetMs });
    }
    return { allowed: true, state: stricter(counted) };
  }

  /** The request count now, or undefined when the limit is reached (and nothing was written). */
  private async increment(scope: string, windowStart: number, limit: number): Promise<number | undefined> {
    if (limit <= 0) return undefined;
    const row = await this.db
      .insertInto('rate_counters')
      .values({ scope, window_start: windowStart, count: 1 })
      .onConflict((oc) =>
        oc
          .columns(['scope', 'window_start'])
          .doUpdateSet((eb) => ({ count: eb('rate_counters.count', '+', 1) }))
          .where('rate_counters.count', '<', limit),
      )
      .returning('count')
      .executeTakeFirst();
    return row && Number(row.count);
  }

  private async decrement(scope: string, windowStart: number): Promise<void> {
    await this.db
      .updateTable('rate_counters')
      .set((eb) => ({ count: eb('count', '-', 1) }))
      .where('scope', '=', scope)
      .where('window_start', '=', windowStart)
      .where('count', '>', 0)
      .execute();
  }

  private async prune(windowStart: number, now: number): Promise<void> {
    if (this.prunedWindow === windowStart) return;
    this.prunedWindow = windowStart;
    await this.db
      .deleteFrom('rate_counters')
      .where('window_start', '<', now - KEEP_MS)
      .execute();
  }
}

const scopeOf = (limit: RateLimit) => `${limit.scope}:${limit.id}`;
