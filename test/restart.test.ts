import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { download, TEST_API_KEY } from './helpers/gateway.js';
import { mp4Info } from './helpers/media.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';

describe(`a job survives a crash of the server (${databaseLabel})`, () => {
  const servers: ServerProcess[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const server of servers) await killHard(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is resumed from its stored operation by the next process and completes, submitted once', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mediagate-restart-'));
    const db = await testDatabaseOptions(dataDir);
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      MEDIAGATE_DATA_DIR: dataDir,
      MEDIAGATE_API_KEYS: TEST_API_KEY,
      MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '4000',
      MEDIAGATE_SANDBOX_POLL_MS: '100',
      MEDIAGATE_LEASE_MS: '1500',
      MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS: '300',
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    };
    const first = await spawnServer(env);
    servers.push(first);

    const response = await fetch(`${first.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'sora-2',
        stream: true,
        messages: [{ role: 'user', content: 'a kite over hills, duration: 2 seconds' }],
      }),
    });
    const jobId = response.headers.get('x-mediagate-job-id')!;
    expect(jobId).toMatch(/^job_/);
    const reader = response.body!.getReader();
    let seen = '';
    while (!/Progress \d+%/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${seen}`);
      seen += Buffer.from(value).toString();
    }
    await killHard(first);

    const second = await spawnServer(env);
    servers.push(second);
    const auth = { authorization: `Bearer ${TEST_API_KEY}` };
    let job: { status: string; results: { url: string }[] } | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      job = await (await fetch(`${second.baseUrl}/v1/jobs/${jobId}`, { headers: auth })).json();
      if (job!.status === 'succeeded' || job!.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job?.status).toBe('succeeded');
    expect(second.output()).toContain('resuming job');
    const video = mp4Info(await download(job!.results[0].url));
    expect(Math.abs(video.durationSeconds - 2)).toBeLessThanOrEqual(0.1);

    const operations = (await readFile(join(dataDir, 'sandbox', 'operations.jsonl'), 'utf8')).trim().split('\n');
    expect(operations).toHaveLength(1);
  });
});
