import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { type RateLimit, RequestCounter, WINDOW_MS } from '../src/limits/request-counter.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';

/** 12:00:00.000 UTC on some day: the start of a window. */
const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);

describe(`request counter (${databaseLabel})`, () => {
  let dataDir: string;
  let database: Database;
  let now = MINUTE;
  let counter: RequestCounter;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mediagate-counter-'));
    database = await openDatabase(await testDatabaseOptions(dataDir));
    counter = new RequestCounter(database.db, { now: () => now });
  });
  afterAll(async () => {
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const rows = () =>
    database.db.selectFrom('rate_counters').selectAll().orderBy('scope').orderBy('window_start').execute();
  const countOf = async (scope: string) =>
    (await rows()).filter((r) => r.scope === scope).map((r) => ({ window: Number(r.window_start), count: r.count }));

  it('writes nothing when no limit applies', async () => {
    expect(await counter.admit([])).toEqual({ allowed: true, state: null });
    expect(await rows()).toEqual([]);
  });

  it('counts up to the limit, then refuses without counting the refusal', async () => {
    now = MINUTE + 47_720;
    const limits: RateLimit[] = [{ scope: 'key', id: 'key_a', limit: 2 }];
    expect(await counter.admit(limits)).toEqual({
      allowed: true,
      state: { scope: 'key', id: 'key_a', limit: 2, remaining: 1, resetMs: 12_280 },
    });
    expect((await counter.admit(limits)).state?.remaining).toBe(0);
    for (let i = 0; i < 3; i++)
      expect(await counter.admit(limits)).toEqual({
        allowed: false,
        state: { scope: 'key', id: 'key_a', limit: 2, remaining: 0, resetMs: 12_280 },
      });
    expect(await countOf('key:key_a')).toEqual([{ window: MINUTE, count: 2 }]);
  });

  it('starts again at 0 in the next window', async () => {
    now = MINUTE + WINDOW_MS + 1_000;
    const decision = await counter.admit([{ scope: 'key', id: 'key_a', limit: 2 }]);
    expect(decision).toEqual({
      allowed: true,
      state: { scope: 'key', id: 'key_a', limit: 2, remaining: 1, resetMs: 59_000 },
    });
    expect(await countOf('key:key_a')).toEqual([
      { window: MINUTE, count: 2 },
      { window: MINUTE + WINDOW_MS, count: 1 },
    ]);
  });

  it('answers with the stricter limit, and un-counts the key when the account refuses', async () => {
    now = MINUTE + WINDOW_MS + 2_000;
    const limits: RateLimit[] = [
      { scope: 'key', id: 'key_b', limit: 5 },
      { scope: 'account', id: 'acct_b', limit: 1 },
    ];
    expect(await counter.admit(limits)).toEqual({
      allowed: true,
      state: { scope: 'account', id: 'acct_b', limit: 1, remaining: 0, resetMs: 58_000 },
    });
    expect(await counter.admit(limits)).toEqual({
      allowed: false,
      state: { scope: 'account', id: 'acct_b', limit: 1, remaining: 0, resetMs: 58_000 },
    });
    expect(await countOf('key:key_b')).toEqual([{ window: MINUTE + WINDOW_MS, count: 1 }]);
    expect(await countOf('account:acct_b')).toEqual([{ window: MINUTE + WINDOW_MS, count: 1 }]);
    // With more left on the account than on the key, the key answers.
    const keyFirst: RateLimit[] = [
      { scope: 'key', id: 'key_c', limit: 1 },
      { scope: 'account', id: 'acct_c', limit: 10 },
    ];
    expect((await counter.admit(keyFirst)).state).toMatchObject({ scope: 'key', limit: 1, remaining: 0 });
    expect((await counter.admit(keyFirst)).state).toMatchObject({ scope: 'key', limit: 1, remaining: 0 });
    expect(await countOf('account:acct_c')).toEqual([{ window: MINUTE + WINDOW_MS, count: 1 }]);
  });

  it('refuses everything for a limit of 0, writing nothing', async () => {
    expect(await counter.admit([{ scope: 'key', id: 'key_zero', limit: 0 }])).toMatchObject({
      allowed: false,
      state: { limit: 0, remaining: 0 },
    });
    expect(await countOf('key:key_zero')).toEqual([]);
  });

  it('never lets more requests through than the limit when they arrive at once', async () => {
    const limits: RateLimit[] = [{ scope: 'account', id: 'acct_burst', limit: 7 }];
    const decisions = await Promise.all(Array.from({ length: 25 }, () => counter.admit(limits)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.state?.remaining)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await countOf('account:acct_burst')).toEqual([{ window: MINUTE + WINDOW_MS, count: 7 }]);
  });

  it('deletes windows older than two minutes with the first count of a new window', async () => {
    now = MINUTE + 3 * WINDOW_MS + 5_000;
    await counter.admit([{ scope: 'key', id: 'key_late', limit: 1 }]);
    // MINUTE is 3 min 5 s old: deleted; MINUTE + 1 min is 2 min 5 s old: deleted too.
    expect((await rows()).map((r) => [r.scope, Number(r.window_start)])).toEqual([
      ['key:key_late', MINUTE + 3 * WINDOW_MS],
    ]);
  });
});
