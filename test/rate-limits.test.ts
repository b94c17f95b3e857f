import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_ID } from '../src/accounts/types.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { formatReset } from '../src/http/rate-limit.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { parseSse } from './helpers/sse.js';

/**
 * The windows' clock is pinned to 47.72 s past a minute, so every answer knows what it will say:
 * 12.28 s left in the window (`x-ratelimit-reset-requests: 12.28s`), `Retry-After: 13`.
 */
const PINNED = Date.UTC(2026, 0, 1, 12, 0, 47, 720);
const rateLimitClock = () => PINNED;

const pear = { model: 'gpt-image-1', prompt: 'a pear on a table', response_format: 'url' };
const river = { model: 'sora-2', prompt: 'a slow river', seconds: 4 };
const RATE_HEADERS = ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'];

const rateHeaders = (res: Response) => Object.fromEntries(RATE_HEADERS.map((name) => [name, res.headers.get(name)]));

const refusal = (limit: number, who: 'this API key' | 'this account (all its keys together)') => ({
  error: {
    message: `Rate limit reached: limit of ${limit} requests per minute for ${who}. Try again in 13 s.`,
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
});

describe(`rate limits (${databaseLabel})`, { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  let db: Database;

  beforeAll(async () => {
    // Videos stay running for the whole file: the concurrency case needs one that has not ended.
    gw = await startGateway({ MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '600000' }, { rateLimitClock });
    db = await openDatabase({ url: gw.env.DATABASE_URL, dataDir: gw.dataDir, schema: gw.env.DATABASE_SCHEMA });
  });
  afterAll(async () => {
    await db?.close();
    await gw?.close();
  });

  const post = (path: string, key: string, body: unknown, baseUrl = gw.baseUrl) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const get = (path: string, key: string) =>
    fetch(`${gw.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

  /** A customer key of the default (postpaid) account with these limits. */
  const keyWith = async (limits: { rpmLimit?: number; concurrencyLimit?: number }) =>
    (await gw.gateway.operator.createKey({ accountId: DEFAULT_ACCOUNT_ID, name: 'limited', ...limits })).secret;

  const counters = async (scope: string) =>
    (await db.db.selectFrom('rate_counters').selectAll().where('scope', '=', scope).execute()).map((r) => ({
      window: Number(r.window_start),
      count: r.count,
    }));
  const jobsOf = async (keyId: string) =>
    Number(
      (
        await db.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('api_key_id', '=', keyId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('lets a key with 3 requests per minute make 3 image requests, then answers 429 with Retry-After', async () => {
    const { key, secret } = await gw.gateway.operator.createKey({
      accountId: DEFAULT_ACCOUNT_ID,
      name: 'three a minute',
      rpmLimit: 3,
    });
    for (const remaining of ['2', '1', '0']) {
      const res = await post('/v1/images/generations', secret, pear);
      expect(res.status, await res.clone().text()).toBe(200);
      expect((await res.json()).data).toHaveLength(1);
      expect(rateHeaders(res)).toEqual({
        'x-ratelimit-limit-requests': '3',
        'x-ratelimit-remaining-requests': remaining,
        'x-ratelimit-reset-requests': '12.28s',
      });
    }

    const refused = await post('/v1/images/generations', secret, pear);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual(refusal(3, 'this API key'));
    expect(refused.headers.get('retry-after')).toBe('13');
    expect(refused.headers.get('x-should-retry')).toBe('true');
    expect(rateHeaders(refused)).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '12.28s',
    });

    // The official client sees a RateLimitError with the same envelope.
    const client = new OpenAI({ apiKey: secret, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
    const err = await client.images.generate({ model: 'gpt-image-1', prompt: 'a plum' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });

    // Refusals are not counted, and no job was created for them.
    expect(await counters(`key:${key.id}`)).toEqual([{ window: PINNED - 47_720, count: 3 }]);
    expect(await jobsOf(key.id)).toBe(3);
  });

  it('lets exactly the limit through when the requests arrive at once', async () => {
    const secret = await keyWith({ rpmLimit: 3 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/v1/videos', secret, river)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    expect(answers.map((r) => r.headers.get('x-ratelimit-remaining-requests')).sort()).toEqual([
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '1',
      '2',
    ]);
  });

  it('does not count polling, reading or cancelling: only requests that create a job', async () => {
    const secret = await keyWith({ rpmLimit: 1 });
    const created = await post('/v1/videos', secret, river);
    expect(created.status).toBe(200);
    expect(created.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const video = await created.json();

    for (let i = 0; i < 5; i++) {
      const polled = await get(`/v1/videos/${video.id}`, secret);
      expect(polled.status).toBe(200);
      expect(rateHeaders(polled)).toEqual({
        'x-ratelimit-limit-requests': null,
        'x-ratelimit-remaining-requests': null,
        'x-ratelimit-reset-requests': null,
      });
    }
    const jobId = created.headers.get('x-mediagate-job-id')!;
    expect((await get(`/v1/jobs/${jobId}`, secret)).status).toBe(200);
    expect((await get('/v1/videos', secret)).status).toBe(200);
    const cancelled = await post(`/v1/jobs/${jobId}/cancel`, secret, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get('x-ratelimit-remaining-requests')).toBeNull();

    const again = await post('/v1/videos', secret, river);
    expect(again.status).toBe(429);
    expect(await again.json()).toEqual(refusal(1, 'this API key'));
  });

  it('sends the headers on a streamed chat answer, and counts a request the route then refuses', async () => {
    const secret = await keyWith({ rpmLimit: 2 });
    const streamed = await post('/v1/chat/completions', secret, {
      model: 'gpt-image-1',
      stream: true,
      messages: [{ role: 'user', content: 'Draw a cat' }],
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(rateHeaders(streamed)).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '12.28s',
    });
    expect(parseSse(await streamed.text()).data.at(-1)).toBe('[DONE]');

    // Counted like at OpenAI: a request that reached the route, whatever its answer.
    const invalid = await post('/v1/chat/completions', secret, { model: 'gpt-image-1' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-ratelimit-remaining-requests')).toBe('0');

    const refused = await post('/v1/chat/completions', secret, {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'Draw a dog' }],
    });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual(refusal(2, 'this API key'));
  });

  it("applies the account's limit to all its keys together, the stricter limit answering", async () => {
    const operator = gw.gateway.operator;
    const account = await operator.createAccount({ name: 'two keys', balance: 1_000_000_000_000, rpmLimit: 2 });
    const a = await operator.createKey({ accountId: account.id, name: 'a' });
    const b = await operator.createKey({ accountId: account.id, name: 'b', rpmLimit: 5 });

    const first = await post('/v1/videos', a.secret, river);
    expect(first.status, await first.clone().text()).toBe(200);
    expect(rateHeaders(first)).toMatchObject({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
    });
    const second = await post('/v1/videos', b.secret, river);
    expect(second.status).toBe(200);
    // The key has 4 left, the account 0: the account answers.
    expect(rateHeaders(second)).toMatchObject({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
    });
    for (const key of [a, b]) {
      const refused = await post('/v1/videos', key.secret, river);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual(refusal(2, 'this account (all its keys together)'));
      expect(refused.headers.get('retry-after')).toBe('13');
    }
    const window = PINNED - 47_720;
    expect(await counters(`account:${account.id}`)).toEqual([{ window, count: 2 }]);
    // Key b's refused request was taken back; key a has no limit of its own, so nothing was written for it.
    expect(await counters(`key:${b.key.id}`)).toEqual([{ window, count: 1 }]);
    expect(await counters(`key:${a.key.id}`)).toEqual([]);
  });

  it('writes nothing for a key with no limits', async () => {
    const { key, secret } = await gw.gateway.operator.createKey({ accountId: DEFAULT_ACCOUNT_ID, name: 'free' });
    const res = await post('/v1/videos', secret, river);
    expect(res.status).toBe(200);
    expect(rateHeaders(res)).toEqual({
      'x-ratelimit-limit-requests': null,
      'x-ratelimit-remaining-requests': null,
      'x-ratelimit-reset-requests': null,
    });
    expect(await counters(`key:${key.id}`)).toEqual([]);
  });

  it('the official client does not retry a concurrency refusal that says x-should-retry: false', async () => {
    const { key, secret } = await gw.gateway.operator.createKey({
      accountId: DEFAULT_ACCOUNT_ID,
      name: 'one at a time',
      concurrencyLimit: 1,
      rpmLimit: 10,
    });
    const running = await post('/v1/videos', secret, river);
    expect(running.status).toBe(200);

    let sent = 0;
    const client = new OpenAI({
      apiKey: secret,
      baseURL: `${gw.baseUrl}/v1`,
      // The default maxRetries (2): without x-should-retry: false it would try three times.
      fetch: (url, init) => {
        // (The SDK also fetches a `data:` URL once, to probe its fetch's multipart support.)
        if (String(url).startsWith(gw.baseUrl)) sent++;
        return fetch(url, init);
      },
    });
    const err = await client.videos.create({ model: 'sora-2', prompt: 'another river' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-should-retry')).toBe('false');
    expect(sent).toBe(1);
    // Server side: the running video and one refused request reached the gateway, no retry.
    expect(await counters(`key:${key.id}`)).toEqual([{ window: PINNED - 47_720, count: 2 }]);
    expect(await jobsOf(key.id)).toBe(1);
  });

  it.skipIf(databaseLabel !== 'postgres')(
    'shares the limit between two instances on one PostgreSQL schema',
    async () => {
      const other = await startGateway(
        { DATABASE_URL: gw.env.DATABASE_URL, DATABASE_SCHEMA: gw.env.DATABASE_SCHEMA },
        { rateLimitClock },
      );
      try {
        const secret = await keyWith({ rpmLimit: 3 });
        const statuses: [number, string | null][] = [];
        for (const baseUrl of [gw.baseUrl, other.baseUrl, gw.baseUrl, other.baseUrl]) {
          const res = await post('/v1/videos', secret, river, baseUrl);
          statuses.push([res.status, res.headers.get('x-ratelimit-remaining-requests')]);
        }
        expect(statuses).toEqual([
          [200, '2'],
          [200, '1'],
          [200, '0'],
          [429, '0'],
        ]);

        // At once, through both instances: still exactly the limit.
        const burst = await keyWith({ rpmLimit: 4 });
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) => post('/v1/videos', burst, river, i % 2 ? other.baseUrl : gw.baseUrl)),
        );
        expect(answers.filter((r) => r.status === 200)).toHaveLength(4);
        expect(answers.filter((r) => r.status === 429)).toHaveLength(8);
      } finally {
        await other.close();
      }
    },
  );
});

describe('x-ratelimit-reset-requests', () => {
  it("is written in OpenAI's (Go's) duration format", () => {
    expect([60_000, 59_999, 30_000, 12_280, 1_500, 1_000, 999, 1].map(formatReset)).toEqual([
      '1m0s',
      '59.999s',
      '30s',
      '12.28s',
      '1.5s',
      '1s',
      '999ms',
      '1ms',
    ]);
  });
});
