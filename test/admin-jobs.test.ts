import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { call, customer, ended, type Json, schemaErrors } from './helpers/operator.js';

const notFound = (id: string) => ({
  error: { message: `No job with id '${id}'.`, type: 'invalid_request_error', param: 'id', code: 'job_not_found' },
});

describe(`Admin jobs and channels (${databaseLabel})`, { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  let a: Awaited<ReturnType<typeof customer>>;
  let b: Awaited<ReturnType<typeof customer>>;
  let image: Json;
  let failed: Json;
  let videoId: string;

  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100', MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '300' });
    a = await customer(gw, 'Acme', 10_000_000, ['a-one']);
    b = await customer(gw, 'Bravo', 10_000_000, ['b-one']);
    const made = await call(gw, '/v1/images/generations', {
      key: a.keys[0].secret,
      body: { model: 'gpt-image-1', prompt: 'a kettle', size: '1024x1024', response_format: 'url' },
    });
    image = await ended(gw, made.headers.get('x-mediagate-job-id')!, a.keys[0].secret);
    const video = await call(gw, '/v1/videos', { key: b.keys[0].secret, body: { prompt: 'a gong #sandbox-fail 4s' } });
    videoId = video.body.id;
    failed = await ended(gw, videoId.replace('video_', 'job_'), b.keys[0].secret);
  });
  afterAll(async () => gw?.close());

  it("lists every account's jobs newest first, with cost, loss, account and key", async () => {
    const { status, body } = await call(gw, '/admin/v1/jobs');
    expect(status).toBe(200);
    expect(body.data.map((j: Json) => j.id)).toEqual([failed.id, image.id]);
    expect(body.data[1]).toMatchObject({
      id: image.id,
      status: 'succeeded',
      account_id: a.account.id,
      api_key_id: a.keys[0].id,
      cost: image.cost,
      loss: null,
      quote: { unit: 'image', outputs: 1, amount: image.cost },
      upstream: { channel: 'sandbox' },
    });
    expect(body.data[0]).toMatchObject({ status: 'failed', account_id: b.account.id, cost: 0 });
    expect(body).toMatchObject({ first_id: failed.id, last_id: image.id, has_more: false });
    expect(await schemaErrors(gw, '/admin/v1/jobs', 'get', 200, body)).toBeNull();
  });

  it('filters by status, model, channel, account, key and time, and pages by cursor', async () => {
    const ids = async (query: string) => (await call(gw, `/admin/v1/jobs?${query}`)).body.data.map((j: Json) => j.id);
    expect(await ids('status=failed')).toEqual([failed.id]);
    expect(await ids('status=succeeded')).toEqual([image.id]);
    expect(await ids('model=gpt-image-1')).toEqual([image.id]);
    expect(await ids(`model=${failed.model}`)).toEqual([failed.id]);
    expect(await ids('channel=sandbox')).toEqual([failed.id, image.id]);
    expect(await ids('channel=elsewhere')).toEqual([]);
    expect(await ids(`account=${a.account.id}`)).toEqual([image.id]);
    expect(await ids(`key=${b.keys[0].id}`)).toEqual([failed.id]);
    expect(await ids('since=2020-01-01&until=2020-02-01')).toEqual([]);
    expect(await ids(`since=${image.created_at}`)).toEqual([failed.id, image.id]);
    const first = await call(gw, '/admin/v1/jobs?limit=1');
    expect(first.body).toMatchObject({ has_more: true, last_id: failed.id });
    const next = await call(gw, `/admin/v1/jobs?limit=1&after=${first.body.last_id}`);
    expect(next.body).toMatchObject({ has_more: false, data: [{ id: image.id }] });
    const bad = await call(gw, '/admin/v1/jobs?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'status' });
  });

  it('reads one job of any account with its ledger entries; an unknown id is a 404', async () => {
    const { status, body } = await call(gw, `/admin/v1/jobs/${videoId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: failed.id, account_id: b.account.id, cost: 0 });
    const amount = body.quote.amount;
    expect(body.ledger.map((e: Json) => [e.kind, e.amount, e.job_id, e.account_id, e.api_key_id]).sort()).toEqual(
      [
        ['capture', 0, failed.id, b.account.id, b.keys[0].id],
        ['release', amount, failed.id, b.account.id, b.keys[0].id],
        ['reservation', amount, failed.id, b.account.id, b.keys[0].id],
      ].sort(),
    );
    expect(await schemaErrors(gw, '/admin/v1/jobs/{job_id}', 'get', 200, body)).toBeNull();
    const missing = await call(gw, '/admin/v1/jobs/job_nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(notFound('job_nope'));
  });

  it('customer keys see only their own jobs: another key gets 404 for the job, the video and its content', async () => {
    expect((await call(gw, `/v1/jobs/${image.id}`, { key: a.keys[0].secret })).status).toBe(200);
    for (const key of [b.keys[0].secret, TEST_API_KEY]) {
      const job = await call(gw, `/v1/jobs/${image.id}`, { key });
      expect(job.status).toBe(404);
      expect(job.body).toEqual(notFound(image.id));
    }
    const video = await call(gw, `/v1/videos/${videoId}`, { key: a.keys[0].secret });
    expect(video.status).toBe(404);
    expect(video.body.error).toMatchObject({ code: 'video_not_found', param: 'video_id' });
    const content = await call(gw, `/v1/videos/${videoId}/content`, { key: a.keys[0].secret });
    expect(content.status).toBe(404);
    expect(content.body.error).toMatchObject({ code: 'video_not_found' });
  });

  it('lists the channels with their health and the success rate and latency of their recent jobs', async () => {
    const { status, body } = await call(gw, '/admin/v1/channels');
    expect(status).toBe(200);
    expect(body.data).toHaveLength(1);
    const sandbox = body.data[0];
    expect(sandbox).toMatchObject({
      name: 'sandbox',
      type: 'sandbox',
      keys: 0,
      usable_keys: 0,
      healthy: true,
      circuit_open_until: null,
      in_flight: 0,
      recent: { jobs: 2, succeeded: 1, success_rate: 0.5, last_error_code: 'upstream_error' },
    });
    expect(sandbox.models).toEqual(expect.arrayContaining(['gpt-image-1', 'sora-2']));
    expect(sandbox.recent.mean_latency_ms).toBeGreaterThan(0);
    expect(await schemaErrors(gw, '/admin/v1/channels', 'get', 200, body)).toBeNull();
  });

  it('tests a channel with one real image, charged to no customer account', async () => {
    const { status, body } = await call(gw, '/admin/v1/channels/sandbox/test', { body: { model: 'gpt-image-1' } });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: 'channel.test',
      channel: 'sandbox',
      model: 'gpt-image-1',
      ok: true,
      status: 'succeeded',
      ran_on: 'sandbox',
      error: null,
    });
    expect(body.latency_ms).toBeGreaterThan(0);
    expect(await schemaErrors(gw, '/admin/v1/channels/{name}/test', 'post', 200, body)).toBeNull();
    const job = (await call(gw, `/admin/v1/jobs/${body.job_id}`)).body;
    expect(job).toMatchObject({ status: 'succeeded', account_id: null, quote: null, cost: null, ledger: [] });
    expect(job.api_key_id).toMatch(/^adm_/);
    expect(job.results).toHaveLength(1);
    // Counted among the channel's recent jobs; nobody's usage.
    const channels = (await call(gw, '/admin/v1/channels')).body.data[0];
    expect(channels.recent).toMatchObject({ jobs: 3, succeeded: 2 });
    expect((await call(gw, '/admin/v1/usage?group_by=')).body.totals.jobs).toBe(2);
  });

  it('tests a video model with the shortest video it allows', async () => {
    const { body } = await call(gw, '/admin/v1/channels/sandbox/test', { body: { model: 'sora-2' } });
    expect(body).toMatchObject({ ok: true, model: 'sora-2', status: 'succeeded', error: null });
    const job = (await call(gw, `/admin/v1/jobs/${body.job_id}`)).body;
    // sora-2 takes 1 to 15 seconds (10 by default): the test asks for 1.
    expect(job).toMatchObject({ kind: 'video', seconds: 1, n: 1, cost: null, adjustments: [] });
  });

  it('the channel test names what it cannot do: an unknown channel, a model it does not serve', async () => {
    const missing = await call(gw, '/admin/v1/channels/nowhere/test', { body: {} });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: {
        message: "No channel named 'nowhere'.",
        type: 'invalid_request_error',
        param: 'name',
        code: 'channel_not_found',
      },
    });
    const model = await call(gw, '/admin/v1/channels/sandbox/test', { body: { model: 'no-such-model' } });
    expect(model.status).toBe(400);
    expect(model.body.error).toMatchObject({ param: 'model', code: 'invalid_value' });
    const customerKey = await call(gw, '/admin/v1/channels', { key: a.keys[0].secret });
    expect(customerKey.status).toBe(403);
    expect(customerKey.body.error).toMatchObject({ code: 'admin_key_required' });
  });
});
