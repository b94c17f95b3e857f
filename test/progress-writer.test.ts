import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/index.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import type { GenerationRequest } from '../src/intent/types.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';

const request = {
  model: 'sora-2',
  kind: 'video',
  prompt: 'x',
  references: [],
  aspectRatio: '16:9',
  width: 1280,
  height: 720,
  seconds: 5,
  n: 1,
  format: 'mp4',
  language: 'en',
  adjustments: [],
} as GenerationRequest;

describe(`batched progress writes (${databaseLabel})`, () => {
  let dir: string;
  let database: Database;
  let store: SqlJobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediagate-progress-'));
    const options = await testDatabaseOptions(dir);
    database = await openDatabase(options);
    store = new SqlJobStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every job of a batch larger than one statement, and leaves finished jobs alone', async () => {
    const ids = Array.from({ length: 320 }, (_, i) => `job_progress_${i}`);
    for (const id of ids)
      await store.create({
        id,
        apiKeyId: 'k',
        model: 'sora-2',
        kind: 'video',
        request,
        channel: 'sandbox',
        createdAt: 1,
      });
    await store.succeed(ids[7], [], 3, 2);
    await store.saveProgressBatch(
      ids.map((id, i) => ({ id, progress: i % 100, statusCalls: i })),
      5,
    );
    const rows = await Promise.all(ids.map((id) => store.get(id)));
    rows.forEach((row, i) => {
      if (i === 7) expect(row).toMatchObject({ status: 'succeeded', progress: 100, statusCalls: 3 });
      else expect(row).toMatchObject({ progress: i % 100, statusCalls: i, updatedAt: 5 });
    });
  });
});

describe(`job store: terminal transitions and the submission guard (${databaseLabel})`, () => {
  let dir: string;
  let database: Database;
  let store: SqlJobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediagate-store-'));
    database = await openDatabase(await testDatabaseOptions(dir));
    store = new SqlJobStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const newJob = (id: string, leaseOwner?: string) =>
    store.create({
      id,
      apiKeyId: 'k',
      model: 'sora-2',
      kind: 'video',
      request,
      channel: 'sandbox',
      createdAt: 1,
      ...(leaseOwner && { leaseOwner, leaseExpiresAt: Date.now() + 60_000 }),
    });

  it('returns the finished row from the transition itself, with what submission changed on it', async () => {
    await newJob('job_store_finish', 'me');
    expect(await store.markSubmitting('job_store_finish', 'me', 'sandbox', 'key-a', 5)).toBe(true);
    const finished = await store.succeed(
      'job_store_finish',
      [{ key: 'ab/x.png', contentType: 'image/png', bytes: 3 }],
      4,
      9,
    );
    expect(finished).toMatchObject({
      status: 'succeeded',
      progress: 100,
      channelKey: 'key-a',
      submitAttempts: 1,
      statusCalls: 4,
      completedAt: 9,
      leaseOwner: null,
    });
    expect(finished!.results).toEqual([{ key: 'ab/x.png', contentType: 'image/png', bytes: 3 }]);
  });

  it('keeps the first outcome: a cancel after the job succeeded changes nothing and answers null', async () => {
    await newJob('job_store_race');
    await store.succeed('job_store_race', [], 1, 10);
    expect(await store.cancel('job_store_race', 11)).toBeNull();
    expect(await store.fail('job_store_race', { code: 'job_timeout', message: 'too late' }, 1, 12)).toBeNull();
    expect(await store.get('job_store_race')).toMatchObject({ status: 'succeeded', error: null, completedAt: 10 });
  });

  it('refuses to mark a job submitting for an instance that no longer holds its lease', async () => {
    await newJob('job_store_lease', 'instance-b');
    expect(await store.markSubmitting('job_store_lease', 'instance-a', 'sandbox', null, 5)).toBe(false);
    expect(await store.get('job_store_lease')).toMatchObject({
      status: 'queued',
      submittedAt: null,
      submitAttempts: 0,
    });
    expect(await store.markSubmitting('job_store_lease', 'instance-b', 'sandbox', null, 6)).toBe(true);
  });
});
