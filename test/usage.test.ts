import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { call, customer, ended, type Json, schemaErrors } from './helpers/operator.js';

/** The UTC day of a unix-seconds time, as usage rows name it. */
const dayOf = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

describe(`Usage and job cost (${databaseLabel})`, { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  let a: Awaited<ReturnType<typeof customer>>;
  let b: Awaited<ReturnType<typeof customer>>;
  /** Account A: two images delivered on its first key, a failed video on its second. */
  let images: Json;
  let failed: Json;
  let failedVideo: Json;
  /** Account B: one image. */
  let other: Json;
  let imageDetail: Json;
  let videoDetail: Json;

  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100', MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '300' });
    a = await customer(gw, 'Acme', 10_000_000, ['a-one', 'a-two']);
    b = await customer(gw, 'Bravo', 10_000_000, ['b-one']);
    const made = await call(gw, '/v1/images/generations', {
      key: a.keys[0].secret,
      body: { model: 'gpt-image-1', prompt: 'two pears', n: 2, size: '1024x1024', response_format: 'url' },
    });
    expect(made.status).toBe(200);
    images = await ended(gw, made.headers.get('x-mediagate-job-id')!, a.keys[0].secret);
    const video = await call(gw, '/v1/videos', { key: a.keys[1].secret, body: { prompt: 'a bell #sandbox-fail 4s' } });
    expect(video.status).toBe(200);
    failedVideo = video.body;
    failed = await ended(gw, video.body.id.replace('video_', 'job_'), a.keys[1].secret);
    const otherMade = await call(gw, '/v1/images/generations', {
      key: b.keys[0].secret,
      body: { model: 'gpt-image-1', prompt: 'one plum', size: '1024x1024', response_format: 'url' },
    });
    other = await ended(gw, otherMade.headers.get('x-mediagate-job-id')!, b.keys[0].secret);
    imageDetail = (await call(gw, `/admin/v1/jobs/${images.id}`)).body;
    videoDetail = (await call(gw, `/admin/v1/jobs/${failed.id}`)).body;
  });
  afterAll(async () => gw?.close());

  it('GET /v1/jobs/{id} shows the cost of what was delivered, and 0 for a job that delivered nothing', async () => {
    const price = imageDetail.quote.unitPrice;
    expect(price).toBeGreaterThan(0);
    expect(images).toMatchObject({ status: 'succeeded', cost: 2 * price, billed_units: 2, unit: 'image' });
    expect(failed).toMatchObject({ status: 'failed', cost: 0, billed_units: 0, unit: 'second' });
    expect(other).toMatchObject({ status: 'succeeded', cost: price, billed_units: 1, unit: 'image' });
    // Before the end there is no cost yet: the create answer of the video.
    expect(failedVideo).toMatchObject({ status: 'queued', cost: null, billed_units: null, unit: 'second' });
    const video = await call(gw, `/v1/videos/${failedVideo.id}`, { key: a.keys[1].secret });
    expect(video.body).toMatchObject({ status: 'failed', cost: 0, billed_units: 0, unit: 'second' });
    expect(await schemaErrors(gw, '/v1/jobs/{job_id}', 'get', 200, images)).toBeNull();
    expect(await schemaErrors(gw, '/v1/videos/{video_id}', 'get', 200, video.body)).toBeNull();
  });

  it("each job's ledger has one reservation, one capture and one release that add up", () => {
    const amounts = (detail: Json) =>
      Object.fromEntries(detail.ledger.map((e: Json) => [e.kind, e.amount])) as Record<string, number>;
    expect(imageDetail.ledger.map((e: Json) => e.kind).sort()).toEqual(['capture', 'release', 'reservation']);
    expect(amounts(imageDetail)).toEqual({
      reservation: imageDetail.quote.amount,
      capture: images.cost,
      release: imageDetail.quote.amount - images.cost,
    });
    expect(amounts(videoDetail)).toEqual({
      reservation: videoDetail.quote.amount,
      capture: 0,
      release: videoDetail.quote.amount,
    });
    expect(videoDetail.quote.amount).toBeGreaterThan(0);
  });

  it("GET /v1/usage shows the caller's account, every key of it, and its balance", async () => {
    const { status, body } = await call(gw, '/v1/usage?group_by=day,model,key', { key: a.keys[0].secret });
    expect(status).toBe(200);
    expect(body).toEqual({
      object: 'usage',
      account_id: a.account.id,
      since: expect.any(Number),
      until: null,
      group_by: ['day', 'model', 'key'],
      rows: [
        {
          day: dayOf(images.completed_at),
          model: 'gpt-image-1',
          unit: 'image',
          api_key_id: a.keys[0].id,
          jobs: 1,
          succeeded: 1,
          units: 2,
          cost: images.cost,
        },
        {
          day: dayOf(failed.completed_at),
          model: failed.model,
          unit: 'second',
          api_key_id: a.keys[1].id,
          jobs: 1,
          succeeded: 0,
          units: 0,
          cost: 0,
        },
      ],
      totals: { jobs: 2, succeeded: 1, units: 2, cost: images.cost },
      balance: 10_000_000 - images.cost,
      reserved: 0,
      available: 10_000_000 - images.cost,
      prepaid: true,
      credits: { unit: 'credit', per_currency_unit: 1_000_000, currency: 'USD' },
    });
    expect(body.since).toBeGreaterThan(Date.now() / 1000 - 31 * 86_400);
    expect(await schemaErrors(gw, '/v1/usage', 'get', 200, body)).toBeNull();
    // The second key of the account sees the same account-wide report.
    const second = await call(gw, '/v1/usage?group_by=day,model,key', { key: a.keys[1].secret });
    expect(second.body.rows).toEqual(body.rows);
  });

  it('never shows another account: B sees only its own job, A none of it', async () => {
    const { body } = await call(gw, '/v1/usage?group_by=key', { key: b.keys[0].secret });
    expect(body).toMatchObject({
      account_id: b.account.id,
      rows: [{ api_key_id: b.keys[0].id, jobs: 1, succeeded: 1, units: 1, cost: other.cost }],
      totals: { jobs: 1, cost: other.cost },
      balance: 10_000_000 - other.cost,
    });
    const mine = await call(gw, '/v1/usage?group_by=key', { key: a.keys[0].secret });
    expect(mine.body.rows.map((r: Json) => r.api_key_id)).toEqual([a.keys[0].id, a.keys[1].id].sort());
  });

  it('takes since/until as ISO dates, unix seconds or a duration ago, and refuses anything else with the parameter named', async () => {
    const now = Math.floor(Date.now() / 1000);
    const past = await call(gw, `/v1/usage?since=2020-01-01&until=2020-01-02`, { key: a.keys[0].secret });
    expect(past.body).toMatchObject({ since: 1_577_836_800, until: 1_577_923_200, totals: { jobs: 0, cost: 0 } });
    expect(past.body.rows).toEqual([]);
    const recent = await call(gw, `/v1/usage?since=${now - 3600}&until=${now + 3600}&group_by=`, {
      key: a.keys[0].secret,
    });
    expect(recent.body).toMatchObject({ group_by: [], rows: [], totals: { jobs: 2, succeeded: 1, cost: images.cost } });
    // The CLI's form works too: `7d` is the same period as `since` seven days ago.
    const week = await call(gw, '/v1/usage?since=7d&group_by=', { key: a.keys[0].secret });
    expect(week.body.since).toBeGreaterThanOrEqual(now - 7 * 86_400 - 5);
    expect(week.body.since).toBeLessThanOrEqual(now - 7 * 86_400 + 5);
    expect(week.body.totals).toMatchObject({ jobs: 2, cost: images.cost });
    const bad = await call(gw, '/v1/usage?since=last-tuesday', { key: a.keys[0].secret });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: {
        message:
          "since must be a duration such as 30m, 24h or 7d (that long ago), an ISO 8601 date or time such as 2026-12-01 or 2026-12-01T12:00:00Z, or unix seconds; got 'last-tuesday'.",
        type: 'invalid_request_error',
        param: 'since',
        code: 'invalid_value',
      },
    });
    const group = await call(gw, '/v1/usage?group_by=week', { key: a.keys[0].secret });
    expect(group.body.error).toMatchObject({ param: 'group_by', code: 'invalid_value' });
  });

  it("the operator's usage covers every account, filters by account, key and model, and matches the ledger", async () => {
    const all = await call(gw, '/admin/v1/usage?group_by=model');
    expect(all.status).toBe(200);
    expect(all.body.rows).toEqual([
      { model: 'gpt-image-1', unit: 'image', jobs: 2, succeeded: 2, units: 3, cost: images.cost + other.cost },
      { model: failed.model, unit: 'second', jobs: 1, succeeded: 0, units: 0, cost: 0 },
    ]);
    expect(await schemaErrors(gw, '/admin/v1/usage', 'get', 200, all.body)).toBeNull();
    // The totals are the sum of the capture entries of every job in the ledger.
    const captured = [imageDetail, videoDetail, (await call(gw, `/admin/v1/jobs/${other.id}`)).body]
      .flatMap((d) => d.ledger)
      .filter((e: Json) => e.kind === 'capture')
      .reduce((sum: number, e: Json) => sum + e.amount, 0);
    expect(all.body.totals).toEqual({ jobs: 3, succeeded: 2, units: 3, cost: captured });

    const byAccount = await call(gw, `/admin/v1/usage?account=${b.account.id}&group_by=key`);
    expect(byAccount.body).toMatchObject({
      filters: { account: b.account.id, key: null, model: null },
      rows: [{ api_key_id: b.keys[0].id, jobs: 1, cost: other.cost }],
    });
    const byKey = await call(gw, `/admin/v1/usage?key=${a.keys[1].id}`);
    expect(byKey.body.totals).toEqual({ jobs: 1, succeeded: 0, units: 0, cost: 0 });
    const byModel = await call(gw, '/admin/v1/usage?model=gpt-image-1&group_by=');
    expect(byModel.body.totals).toEqual({ jobs: 2, succeeded: 2, units: 3, cost: images.cost + other.cost });
  });

  it('exports CSV with a header row, one row per group and a total row', async () => {
    const expected =
      'model,unit,jobs,succeeded,units,cost\r\n' +
      `gpt-image-1,image,2,2,3,${images.cost + other.cost}\r\n` +
      `${failed.model},second,1,0,0,0\r\n` +
      `total,,3,2,3,${images.cost + other.cost}\r\n`;
    const byParam = await call(gw, '/admin/v1/usage?group_by=model&format=csv');
    expect(byParam.status).toBe(200);
    expect(byParam.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(byParam.text).toBe(expected);
    const byAccept = await call(gw, '/admin/v1/usage?group_by=model', { accept: 'text/csv' });
    expect(byAccept.text).toBe(expected);
  });

  it('refuses customer keys on the admin usage and no key at all', async () => {
    const customerKey = await call(gw, '/admin/v1/usage', { key: a.keys[0].secret });
    expect(customerKey.status).toBe(403);
    expect(customerKey.body.error).toMatchObject({ code: 'admin_key_required' });
    const none = await fetch(`${gw.baseUrl}/admin/v1/usage`);
    expect(none.status).toBe(401);
  });
});
