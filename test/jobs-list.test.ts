import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJobObject } from '../src/api-objects/job-object.js';
import { openDatabase } from '../src/db/index.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { pngBuffer } from './helpers/images.js';
import { call, type Json, schemaErrors } from './helpers/operator.js';

const OTHER_KEY = 'sk-test-other-0123456789abcdef';

describe(`GET /v1/jobs: the caller's jobs, newest first (${databaseLabel})`, () => {
  let gw: RunningGateway;
  const mine: string[] = [];
  let theirs: string;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_API_KEYS: `${TEST_API_KEY},${OTHER_KEY}` });
    const image = async (key: string, prompt: string) => {
      const { status, headers } = await call(gw, '/v1/images/generations', {
        key,
        body: { model: 'gpt-image-1', prompt, response_format: 'url' },
      });
      expect(status).toBe(200);
      return headers.get('x-mediagate-job-id') ?? '';
    };
    mine.push(await image(TEST_API_KEY, 'one'));
    theirs = await image(OTHER_KEY, 'not yours');
    mine.push(await image(TEST_API_KEY, 'two'));
    // An uploaded reference, so the list shows one with its source.
    const form = new FormData();
    form.append('model', 'gpt-image-1');
    form.append('prompt', 'three');
    form.append('image', new Blob([new Uint8Array(await pngBuffer(64, 48))], { type: 'image/png' }), 'ref.png');
    const edit = await fetch(`${gw.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
      body: form,
    });
    expect(edit.status).toBe(200);
    mine.push(edit.headers.get('x-mediagate-job-id') ?? '');
  });
  afterAll(async () => gw?.close());

  const list = async (query: string, key = TEST_API_KEY) => {
    const { status, body } = await call(gw, `/v1/jobs${query}`, { key });
    expect(status).toBe(200);
    return body;
  };

  it('pages with limit and after, in the OpenAI list shape; another key sees only its own', async () => {
    const first = await list('?limit=2');
    expect(await schemaErrors(gw, '/v1/jobs', 'get', 200, first)).toBeNull();
    expect(first).toMatchObject({ object: 'list', first_id: mine[2], last_id: mine[1], has_more: true });
    expect(first.data.map((j: Json) => j.id)).toEqual([mine[2], mine[1]]);
    expect(first.data[0].references).toEqual([
      {
        url: expect.stringMatching(/\/media\/.+\.png$/),
        source: 'upload',
        width: 64,
        height: 48,
        content_type: 'image/png',
      },
    ]);
    expect(first.data[1]).toMatchObject({
      object: 'generation.job',
      prompt: 'two',
      references: [],
      status: 'succeeded',
    });

    const second = await list(`?limit=2&after=${first.last_id}`);
    expect(second).toEqual({
      object: 'list',
      data: [expect.objectContaining({ id: mine[0] })],
      first_id: mine[0],
      last_id: mine[0],
      has_more: false,
    });

    // The cursor may be any id the client holds for that job.
    expect(await list(`?limit=2&after=chatcmpl-${first.last_id}`)).toEqual(second);
    expect(await list(`?limit=2&after=resp_${first.last_id}`)).toEqual(second);

    const all = await list('');
    expect(all.data.map((j: Json) => j.id)).toEqual([...mine].reverse());
    expect((await list('', OTHER_KEY)).data.map((j: Json) => j.id)).toEqual([theirs]);
  });

  it('filters by status; a bad limit is a 400 naming it', async () => {
    expect((await list('?status=succeeded')).data).toHaveLength(3);
    expect(await list('?status=failed')).toEqual({
      object: 'list',
      data: [],
      first_id: null,
      last_id: null,
      has_more: false,
    });
    const { status, body } = await call(gw, '/v1/jobs?limit=101', { key: TEST_API_KEY });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
  });

  it('GET /v1/jobs/{id} of an uploaded edit lists the reference with its source', async () => {
    const { body } = await call(gw, `/v1/jobs/${mine[2]}`, { key: TEST_API_KEY });
    expect(await schemaErrors(gw, '/v1/jobs/{job_id}', 'get', 200, body)).toBeNull();
    expect(body.references).toEqual([expect.objectContaining({ source: 'upload', width: 64, height: 48 })]);
  });
});

describe(`a job stored before references recorded their source (${databaseLabel})`, () => {
  it('still reads, its references with source null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mediagate-old-job-'));
    const database = await openDatabase(await testDatabaseOptions(dir));
    try {
      const store = new SqlJobStore(database.db);
      const key = `ab/ab${'1'.repeat(62)}.png`;
      await store.create({
        id: 'job_old',
        apiKeyId: 'key_1',
        model: 'gpt-image-1',
        kind: 'image',
        // The request JSON as it was written before sources existed.
        request: {
          model: 'gpt-image-1',
          kind: 'image',
          prompt: 'x',
          references: [{ key, contentType: 'image/png', width: 10, height: 20, bytes: 99 }],
          aspectRatio: '1:1',
          width: 1024,
          height: 1024,
          n: 1,
          format: 'png',
          language: 'en',
          adjustments: [],
        },
        channel: 'sandbox',
        createdAt: Date.now(),
      });
      const job = await store.get('job_old');
      expect(job && toJobObject(job, (k) => `http://gw/media/${k}`).references).toEqual([
        { url: `http://gw/media/${key}`, source: null, width: 10, height: 20, content_type: 'image/png' },
      ]);
    } finally {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
