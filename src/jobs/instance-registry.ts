import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';

export interface RegisteredInstance {
  id: string;
  startedAt: number;
}

/**
 * The instances that hold a liveness lock (PostgreSQL). Being listed is what lets the others judge
 * an owner by its lock: a listed instance whose lock is gone died. An owner that was never listed
 * (an older version without the lock) is judged by its leases' expiry only.
 */
export class InstanceRegistry {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Lists this instance; called after its lock is taken, so a listed instance without a lock is dead. */
  async register(id: string, host: string, now: number): Promise<void> {
    await this.db
      .insertInto('instances')
      .values({ id, host, started_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ host, started_at: now }))
      .execute();
  }

  async others(id: string): Promise<RegisteredInstance[]> {
    const rows = await this.db.selectFrom('instances').select(['id', 'started_at']).where('id', '<>', id).execute();
    return rows.map((row) => ({ id: row.id, startedAt: row.started_at }));
  }

  /**
   * Removes an instance: a dead one whose jobs were taken over, or this one on a clean stop. With
   * `startedAt`, only that listing: an operator-set id started again meanwhile stays listed.
   */
  async forget(id: string, startedAt?: number): Promise<void> {
    let query = this.db.deleteFrom('instances').where('id', '=', id);
    if (startedAt !== undefined) query = query.where('started_at', '=', startedAt);
    await query.execute();
  }
}
