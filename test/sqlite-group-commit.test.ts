import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';

/**
 * The embedded SQLite driver commits the writes of one event-loop turn together. What must hold: a
 * caller hears "done" only once its write is committed (another connection sees it), the writes of a
 * turn share one commit, one failing statement fails alone, and a read is answered at once with
 * what is committed, never with what could still roll back.
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

  const count = (label: string) =>
    sql<{ n: number }>`SELECT count(*) AS n FROM group_commit_probe WHERE label = ${label}`
      .execute(database.db)
      .then((r) => r.rows[0].n);

  it('answers a read at once with what is committed, not waiting for the open group, and shows a write once it is answered', async () => {
    const answered: string[] = [];
    const write = insert('pending').then(() => answered.push('write'));
    const read = count('pending').then((n) => {
      answered.push('read');
      return n;
    });
    // Issued after the write, answered before its COMMIT, without the row that could still be lost.
    await Promise.all([write, read]);
    expect(answered).toEqual(['read', 'write']);
    expect(await read).toBe(0);
    // The writer reads its own write: it heard "done" only once the row was committed.
    expect(await count('pending')).toBe(1);
  });

  it('treats an UPDATE … RETURNING as a write: answered after the COMMIT with the rows it changed', async () => {
    await insert('before');
    const update = sql<{ label: string }>`UPDATE group_commit_probe SET label = 'after' RETURNING label`.execute(
      database.db,
    );
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    expect(observer.prepare('SELECT label FROM group_commit_probe').all()).toEqual([{ label: 'before' }]);
    expect((await update).rows).toEqual([{ label: 'after' }]);
    expect(observer.prepare('SELECT label FROM group_commit_probe').all()).toEqual([{ label: 'after' }]);
  });

  it('answers a read during an open transaction at once, without the transaction’s rows, which may roll back', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedInside = new Promise<void>((resolve) => (inserted = resolve));
    const failed = database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('group_commit_probe' as never)
        .values({ label: 'inside' } as never)
        .execute();
      // The transaction's own read sees its row.
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM group_commit_probe WHERE label = 'inside'`.execute(trx);
      expect(rows[0].n).toBe(1);
      inserted();
      await held;
      throw new Error('the reservation was refused');
    });
    await insertedInside;
    // Not deferred until the transaction ends: it is still open here.
    expect(await count('inside')).toBe(0);
    release();
    await expect(failed).rejects.toThrow('the reservation was refused');
    expect(await count('inside')).toBe(0);
  });

  it('answers a transaction that failed on another caller’s write only once that write is committed', async () => {
    // Two requests with one Idempotency-Key: the loser's insert meets the winner's row in the open
    // group, and reads the winner's row when it hears of its failure.
    const winner = insert('key-1');
    const loser = database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('group_commit_probe' as never)
        .values({ label: 'key-1' } as never)
        .execute();
    });
    const seenAfterFailure = loser.catch(async (err) => ({ err: String(err), n: await count('key-1') }));
    await winner;
    expect(await seenAfterFailure).toEqual({ err: expect.stringMatching(/UNIQUE constraint failed/), n: 1 });
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
