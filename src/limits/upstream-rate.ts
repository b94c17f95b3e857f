import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';

/**
 * Submissions to one upstream key within a sliding window (`rpm` of a channel), counted in the
 * database (`upstream_calls`) so every instance on it counts against the same log.
 *
 * Not `RequestCounter`'s fixed minutes: an upstream that allows N a minute refuses N at the end of
 * one clock minute plus N at the start of the next, so each submission is a row and the window
 * slides. Taking a place is one transaction serialised per scope (an advisory lock on PostgreSQL
 * whose key includes the schema, so gateways in other schemas never wait on each other; the SQLite
 * driver runs one transaction at a time), so two instances never both take the last place.
 */
export class UpstreamRate {
  private readonly now: () => number;
  private prunedAt = 0;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly options: { dialect: 'sqlite' | 'postgres'; windowMs: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Records one submission under `scope` when fewer than `limit` were made in the last window and
   * answers 0; otherwise records nothing and answers how long until a place frees.
   */
  async admit(scope: string, limit: number): Promise<number> {
    const { windowMs, dialect } = this.options;
    return this.db.transaction().execute(async (trx) => {
      if (dialect === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext('mediagate.upstream_rate'), hashtext(current_schema() || '/' || ${scope}))`.execute(
          trx,
        );
      const now = this.now();
      // The limit-th newest submission in the window: while it is inside, the window is full.
      const full = await trx
        .selectFrom('upstream_calls')
        .select('at')
        .where('scope', '=', scope)
        .where('at', '>', now - windowMs)
        .orderBy('at', 'desc')
        .limit(1)
        .offset(Math.max(0, limit - 1))
        .executeTakeFirst();
      if (full) return Math.max(1, Number(full.at) + windowMs - now);
      await trx.insertInto('upstream_calls').values({ scope, at: now }).execute();
      if (now - this.prunedAt >= windowMs) {
        this.prunedAt = now;
        await trx
          .deleteFrom('upstream_calls')
          .where('at', '<', now - 2 * windowMs)
          .execute();
      }
      return 0;
    });
  }
}
