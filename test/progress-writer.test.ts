import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/index.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import type { GenerationRequest } from '../src/intent/types.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';

const request = { model: 'sora-2', kind: 'video', prompt: 'x', references: [], aspectRatio: '16:9', width: 1280, height: 720, seconds: 5, n: 1, format: 'mp4', language: 'en', adjustments: [] } as GenerationRequest;

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
    for (const id of ids) await store.create({ id, apiKeyId: 'k', model: 'sora-2', kind: 'video', request, channel: 'sandbox', createdAt: 1 });
    await store.succeed(ids[7], [], 3, 2);
    await store.saveProgressBatch(ids.map((id, i) => ({ id, progress: i % 100, statusCalls: i })), 5);
    const rows = await Promise.all(ids.map((id) => store.get(id)));
    rows.forEach((row, i) => {
      if (i === 7) expect(row).toMatchObject({ status: 'succeeded', progress: 100, statusCalls: 3 });
      else expect(row).toMatchObject({ progress: i % 100, statusCalls: i, updatedAt: 5 });
    });
  });
});
