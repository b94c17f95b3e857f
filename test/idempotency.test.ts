import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/index.js';
import { createJobOnce } from '../src/jobs/idempotency.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { parseSse } from './helpers/sse.js';

const OTHER_KEY = 'sk-idem-other-0123456789';

/** The OpenAI SDK sends no Idempotency-Key by itself; callers pass it as a header. */
const idem = (key: string) => ({ headers: { 'Idempotency-Key': key } });

/** Sandbox operations (one line each) whose prompt is `prompt`. */
async function operationsFor(dataDir: string, prompt: string): Promise<number> {
  const text = await readFile(join(dataDir, 'sandbox', 'operations.jsonl'), 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .filter((line) => JSON.parse(line).prompt === prompt).length;
}

describe(`Idempotency-Key (${databaseLabel})`, { timeout: 180_000 }, () => {
  let gw: RunningGateway;
  let other: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({
      MEDIAGATE_API_KEYS: `${TEST_API_KEY},${OTHER_KEY}`,
      MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100',
    });
    other = new OpenAI({ apiKey: OTHER_KEY, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => gw?.close());

  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('concurrent requests with one key create one job and one sandbox operation', async () => {
    const prompt = 'a kite over dunes';
    const body = { model: 'sora-2', prompt, seconds: '1' as never };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => gw.client.videos.create(body, idem('idem-concurrent-1')).withResponse()),
    );
    const ids = new Set(results.map((r) => r.data.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.response.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const listed = (await gw.client.videos.list({ limit: 100 })).data.filter((v) => v.prompt === prompt);
    expect(listed).toHaveLength(1);

    // Later retries still return it (now completed) and start nothing.
    let replay = await gw.client.videos.create(body, idem('idem-concurrent-1'));
    while (replay.status !== 'completed') {
      await new Promise((r) => setTimeout(r, 150));
      replay = await gw.client.videos.create(body, idem('idem-concurrent-1'));
    }
    expect(replay.id).toBe([...ids][0]);
    expect(await operationsFor(gw.dataDir, prompt)).toBe(1);
  });

  it('the same key with a different body is a 409, on any endpoint', async () => {
    await gw.client.videos.create({ prompt: 'first body 1s' }, idem('idem-conflict'));
    const expected = {
      error: {
        message:
          'This Idempotency-Key was already used with a different request (another endpoint or body). Send a new key for a new request.',
        type: 'invalid_request_error',
        param: 'Idempotency-Key',
        code: 'idempotency_key_reused',
      },
    };
    const changed = await gw.client.videos.create({ prompt: 'second body 1s' }, idem('idem-conflict')).catch((e) => e);
    expect(changed).toBeInstanceOf(OpenAI.ConflictError);
    expect(changed.error).toEqual(expected.error);
    const elsewhere = await postJson(
      '/v1/images/generations',
      { model: 'gpt-image-1', prompt: 'first body 1s' },
      { 'idempotency-key': 'idem-conflict' },
    );
    expect(elsewhere.status).toBe(409);
    expect(await elsewhere.json()).toEqual(expected);
    expect(await operationsFor(gw.dataDir, 'second body')).toBe(0);
  });

  it('keys are scoped to the API key: another key with the same Idempotency-Key gets its own job', async () => {
    const mine = await gw.client.videos.create({ prompt: 'shared key 1s' }, idem('idem-scoped'));
    const theirs = await other.videos.create({ prompt: 'shared key 1s' }, idem('idem-scoped'));
    expect(theirs.id).not.toBe(mine.id);
  });

  it('JSON key order and whitespace do not make a retry a conflict', async () => {
    const a = await postJson(
      '/v1/videos',
      { prompt: 'order test 1s', size: '720x720' },
      { 'idempotency-key': 'idem-order' },
    );
    const b = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'content-type': 'application/json',
        'idempotency-key': 'idem-order',
      },
      body: '{ "size": "720x720",   "prompt": "order test 1s" }',
    });
    expect(b.status).toBe(200);
    expect((await b.json()).id).toBe((await a.json()).id);
  });

  it('chat: a retried non-streaming request answers with the same completion; a retried stream follows the same job', async () => {
    const prompt = 'a copper teapot';
    const body = { model: 'gpt-image-1', messages: [{ role: 'user' as const, content: prompt }] };
    const [first, second] = await Promise.all([
      gw.client.chat.completions.create(body, idem('idem-chat')),
      gw.client.chat.completions.create(body, idem('idem-chat')),
    ]);
    expect(second.id).toBe(first.id);
    expect(second.choices[0].message.content).toBe(first.choices[0].message.content);
    expect(first.choices[0].message.content).toMatch(/^!\[image\]\(http/);
    expect(await operationsFor(gw.dataDir, prompt)).toBe(1);

    const streamBody = {
      ...body,
      stream: true,
      messages: [{ role: 'user', content: 'a brass bell 1s' }],
      model: 'sora-2',
    };
    const start = () => postJson('/v1/chat/completions', streamBody, { 'idempotency-key': 'idem-chat-stream' });
    const firstStream = await start();
    const jobId = firstStream.headers.get('x-mediagate-job-id');
    await firstStream.body!.cancel(); // the client drops the stream and retries
    const retried = await start();
    expect(retried.headers.get('x-mediagate-job-id')).toBe(jobId);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const { data } = parseSse(await retried.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((c) => c.id === `chatcmpl-${jobId}`)).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toMatch(/Video generated successfully/);
    expect(await operationsFor(gw.dataDir, 'a brass bell')).toBe(1);
  });

  it('images: a replay returns the same images without generating again', async () => {
    const body = { model: 'gpt-image-1', prompt: 'a glass marble', size: '1024x1024', response_format: 'url' as const };
    const a = await gw.client.images.generate(body, idem('idem-image')).withResponse();
    const b = await gw.client.images.generate(body, idem('idem-image')).withResponse();
    expect(b.response.headers.get('x-mediagate-job-id')).toBe(a.response.headers.get('x-mediagate-job-id'));
    expect(b.data.data).toEqual(a.data.data);
    expect(await operationsFor(gw.dataDir, 'a glass marble')).toBe(1);
  });

  it('an invalid key is a 400 naming the header', async () => {
    const res = await postJson('/v1/videos', { prompt: 'x' }, { 'idempotency-key': 'k'.repeat(256) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ param: 'Idempotency-Key', code: 'invalid_idempotency_key' });
  });
});

describe(`the jobs table enforces one job per (API key, Idempotency-Key) (${databaseLabel})`, () => {
  it('a second insert with the same key fails, so racing requests settle on one job', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'mediagate-idem-'));
    const database = await openDatabase(await testDatabaseOptions(dir));
    try {
      const store = new SqlJobStore(database.db);
      const request = {
        model: 'sora-2',
        kind: 'video',
        prompt: 'x',
        references: [],
        aspectRatio: '1:1',
        width: 720,
        height: 720,
        seconds: 1,
        n: 1,
        format: 'mp4',
        language: 'en',
        adjustments: [],
      } as const;
      const job = (id: string, apiKeyId: string, key?: string) => ({
        id,
        apiKeyId,
        model: 'sora-2',
        kind: 'video' as const,
        request: { ...request, references: [], adjustments: [] },
        channel: 'sandbox',
        createdAt: Date.now(),
        ...(key && { idempotencyKey: key, idempotencyFingerprint: 'f' }),
      });
      await store.create(job('job_a', 'key_1', 'k'));
      await expect(store.create(job('job_b', 'key_1', 'k'))).rejects.toThrow();
      await store.create(job('job_c', 'key_2', 'k'));
      await store.create(job('job_d', 'key_1'));
      await store.create(job('job_e', 'key_1'));
      expect((await store.findByIdempotencyKey('key_1', 'k'))?.id).toBe('job_a');
      expect(await store.get('job_b')).toBeNull();

      // Two requests that both looked before either inserted: the constraint picks one job.
      let arrived = 0;
      let release!: () => void;
      const bothLooked = new Promise<void>((resolve) => (release = resolve));
      const racer = (id: string) =>
        createJobOnce(store, { apiKeyId: 'key_1', key: 'race', fingerprint: 'f' }, async (tag) => {
          if (++arrived === 2) release();
          await bothLooked;
          return store.create({ ...job(id, 'key_1'), ...tag });
        });
      const [x, y] = await Promise.all([racer('job_x'), racer('job_y')]);
      expect(arrived).toBe(2);
      expect(x.job.id).toBe(y.job.id);
      expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
      const loser = x.replayed ? 'job_x' : 'job_y';
      expect(await store.get(loser)).toBeNull();
    } finally {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
