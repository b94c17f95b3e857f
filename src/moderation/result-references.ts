import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';
import { contentIdOf } from './verdict-cache.js';

/** Whether stored bytes are still needed by another job. */
export interface ResultReferences {
  isStillNeeded(key: string, exceptJobId: string): Promise<boolean>;
}

/**
 * Storage is content-addressed, so one file can be the result of several jobs (the sandbox render
 * cache makes identical prompts give identical bytes) or a reference of a job still running. The
 * same bytes get the same verdict, so a second job with them is normally blocked too; this check
 * covers the rest (a job that succeeded before thresholds were tightened, or before stage 3 was on).
 * Runs only when a result is withheld, so the scan of `results` text is acceptable.
 */
export class SqlResultReferences implements ResultReferences {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async isStillNeeded(key: string, exceptJobId: string): Promise<boolean> {
    // A SHA-256 in hex: no LIKE wildcards can occur in it.
    const hash = contentIdOf(key);
    if (!/^[0-9a-f]{64}$/.test(hash)) return true;
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('id', '!=', exceptJobId)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'succeeded'), eb('results', 'like', `%${hash}%`)]),
          eb.and([eb('status', 'in', ['queued', 'running']), eb('request', 'like', `%${hash}%`)]),
        ]),
      )
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
