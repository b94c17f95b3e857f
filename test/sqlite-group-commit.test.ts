import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';

/**
 * The embedded SQLite driver commits the statements of one event-loop turn together. What must
 * hold: a caller hears "done" only once its write is committed (another connection sees it), the
 * statements of a turn share one commit, later statements see earlier ones, and one failing
 * statement fails alone.
 */
describe('SQLite group commit', () => {
  let dataDir: string;
  let database: Database;
  /** Another connection to the same file: sees only what is committed. */
  let observer: BetterSqlite3.Database;
  const committedCount = () =>
    (observer.prepare('SELECT count(*) AS n FROM group_commit_probe').get() as { n: number }).n;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mediagate-group-commit-'));
    database = await openDatabase({ dataDir });
    await sql`CREATE TABLE group_commit_probe (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)`.execute(
      database.db,
    );
    observer = new BetterSqlite3(join(dataDir, 'mediagate.sqlite'), { readonly: true });
  });
  afterEach(async () => {
    observer.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const insert = (label: string) =>
    database.db
      .insertInto('group_commit_probe' as never)
      .values({ label } as never)
      .execute();

  it('answers a write only after it is committed, and commits one turn’s writes together', async () => {
    const writes = Array.from({ length: 50 }, (_, i) => insert(`row ${i}`));
    // Issued, not yet answered: the group is still open, so nothing is visible outside it.
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    expect(committedCount()).toBe(0);
    await Promise.all(writes);
    expect(committedCount()).toBe(50);
  });

  it('lets a read in the same turn see the writes before it', async () => {
    const write = insert('seen');
    const read = sql<{ n: number }>`SELECT count(*) AS n FROM group_commit_probe WHERE label = 'seen'`.execute(
      database.db,
    );
    await write;
    expect((await read).rows[0].n).toBe(1);
  });

  it('fails only the statement that broke a constraint; the rest of its group commits', async () => {
    await insert('taken');
    const results = await Promise.allSettled([insert('first'), insert('taken'), insert('second')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(observer.prepare('SELECT label FROM group_commit_probe ORDER BY id').all()).toEqual([
      { label: 'taken' },
      { label: 'first' },
      { label: 'second' },
    ]);
  });

  it('lets a second connection in the same process write while a group is open', async () => {
    const second = await openDatabase({ dataDir });
    try {
      const mine = insert('from the first');
      // Without committing the first connection's group, this would wait on its lock until the busy timeout.
      const started = Date.now();
      await second.db
        .insertInto('group_commit_probe' as never)
        .values({ label: 'from the second' } as never)
        .execute();
      await mine;
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(committedCount()).toBe(2);
    } finally {
      await second.close();
    }
  });

  it('commits a transaction whole, and answers its commit only once it is durable', async () => {
    const done = database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('group_commit_probe' as never)
        .values({ label: 'a' } as never)
        .execute();
      await trx
        .insertInto('group_commit_probe' as never)
        .values({ label: 'b' } as never)
        .execute();
    });
    await done;
    expect(committedCount()).toBe(2);
  });

  it('rolls back only the transaction’s own statements; others issued meanwhile wait and commit', async () => {
    let outside: Promise<unknown> | undefined;
    const failed = database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('group_commit_probe' as never)
        .values({ label: 'inside' } as never)
        .execute();
      outside = insert('outside');
      await trx
        .insertInto('group_commit_probe' as never)
        .values({ label: 'inside' } as never)
        .execute();
    });
    await expect(failed).rejects.toThrow(/UNIQUE constraint failed/);
    await outside;
    expect(observer.prepare('SELECT label FROM group_commit_probe ORDER BY id').all()).toEqual([{ label: 'outside' }]);
  });

  it('runs concurrent transactions one after the other', async () => {
    const bump = () =>
      database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM group_commit_probe`.execute(trx);
        await new Promise((resolve) => setImmediate(resolve));
        await trx
          .insertInto('group_commit_probe' as never)
          .values({ label: `row ${rows[0].n}` } as never)
          .execute();
      });
    await Promise.all(Array.from({ length: 10 }, bump));
    expect(committedCount()).toBe(10);
  });
});
