import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { fundedCustomer } from './helpers/accounts.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { openLedgerDatabase, proveLedger } from './helpers/ledger.js';

const PRICE = 42_000; // one gpt-image-1 image, medium quality, 1024x1024 (the default price)

/** The refusal a request gets when the account cannot cover it, with `available` credits left. */
const refusal = (available: number) => ({
  error: {
    message:
      `This request needs up to ${PRICE.toLocaleString('en-US')} credits, but the account has ` +
      `${available.toLocaleString('en-US')} available`,
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  },
});

/** A pass-through proxy in front of the gateway that counts the HTTP requests it forwards. */
async function countingProxy(target: string): Promise<{ url: string; count: () => number; server: Server }> {
  let count = 0;
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    count++;
    const upstream = httpRequest(
      { hostname, port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => count, server };
}

describe(`the ledger under concurrent requests (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let database: Database;
  beforeAll(async () => {
    gw = await startGateway();
    database = await openLedgerDatabase(gw.env);
  });
  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  it('lets exactly 5 of 50 concurrent image requests through on a balance for 5, and refuses 45 in the envelope', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 5 * PRICE);
    type Outcome = { ok: true } | { ok: false; status: number; body: unknown; shouldRetry: string | null };
    const viaSdk = async (call: () => Promise<unknown>): Promise<Outcome> => {
      try {
        await call();
        return { ok: true };
      } catch (err) {
        if (!(err instanceof OpenAI.APIError)) throw err;
        return {
          ok: false,
          status: err.status ?? 0,
          body: { error: err.error },
          shouldRetry: err.headers?.get('x-should-retry') ?? null,
        };
      }
    };
    const generate = () =>
      viaSdk(() =>
        customer.client.images.generate({
          model: 'gpt-image-1',
          prompt: 'a red kite',
          size: '1024x1024',
          quality: 'medium',
        }),
      );
    const chat = () =>
      viaSdk(() =>
        customer.client.chat.completions.create({
          model: 'gpt-image-1',
          messages: [{ role: 'user', content: 'a red kite' }],
        }),
      );
    const streamed = () =>
      viaSdk(async () => {
        const stream = await customer.client.chat.completions.create({
          model: 'gpt-image-1',
          stream: true,
          messages: [{ role: 'user', content: 'a red kite' }],
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        if (!/!\[image\]\(http/.test(text)) throw new Error(`no image in the stream: ${text}`);
      });
    const plain = async (): Promise<Outcome> => {
      const response = await fetch(`${gw.baseUrl}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a red kite', size: '1024x1024', quality: 'medium' }),
      });
      const body = await response.json();
      if (response.status === 200) return { ok: true };
      return { ok: false, status: response.status, body, shouldRetry: response.headers.get('x-should-retry') };
    };
    const calls = Array.from({ length: 50 }, (_, i) => [generate, chat, streamed, plain][i % 4]);
    const outcomes = await Promise.all(calls.map((call) => call()));

    const refused = outcomes.filter((o) => !o.ok);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
    expect(refused).toHaveLength(45);
    for (const outcome of refused) {
      // A refusal while others still run names what they hold; once all ended nothing is held.
      const { message } = (outcome.body as { error: { message: string } }).error;
      expect(outcome).toEqual({
        ok: false,
        status: 429,
        shouldRetry: 'false',
        body: { error: { ...refusal(0).error, message: expect.stringContaining(refusal(0).error.message) } },
      });
      expect(message).toMatch(/\(balance [\d,]+, [\d,]+ held by running jobs\)\. Top up the account/);
    }

    const proof = await proveLedger(database, customer.accountId);
    expect(proof.opening).toBe(5 * PRICE);
    expect(proof.jobs.size).toBe(5);
    expect(proof.captured).toBe(5 * PRICE);
    for (const job of proof.jobs.values())
      expect(job).toEqual({ reservation: PRICE, capture: PRICE, release: 0, loss: 0 });
    expect(proof.account).toEqual({ balance: 0, reserved: 0, active_jobs: 0 });
    // The refused requests left no job behind.
    const jobs = await database.db
      .selectFrom('jobs')
      .select(['id', 'status', 'cost'])
      .where('account_id', '=', customer.accountId)
      .execute();
    expect(jobs.map((j) => [j.status, Number(j.cost)])).toEqual(Array(5).fill(['succeeded', PRICE]));
    expect(new Set(jobs.map((j) => j.id))).toEqual(new Set(proof.jobs.keys()));
  });

  it.each([
    {
      limit: "the key's spend limit",
      options: { key: { spend_limit: 2 * PRICE } },
      allowed: 2,
      message: `This request needs up to 42,000 credits, but this API key's spend limit of 84,000 credits leaves 0. Ask the operator to raise the key's limit.`,
    },
    {
      limit: "the account's monthly spend limit",
      options: { account: { monthly_spend_limit: 3 * PRICE } },
      allowed: 3,
      message: `This request needs up to 42,000 credits, but the account's monthly spend limit of 126,000 leaves 0 this month.`,
    },
  ])('holds $limit under 20 concurrent requests on a larger balance', async ({ options, allowed, message }) => {
    const customer = await fundedCustomer(gw.baseUrl, 10 * PRICE, options);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${gw.baseUrl}/v1/images/generations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a red kite', size: '1024x1024', quality: 'medium' }),
        }).then(async (response) => ({ status: response.status, body: await response.json() })),
      ),
    );
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(allowed);
    const refused = outcomes.filter((o) => o.status !== 200);
    expect(refused).toHaveLength(20 - allowed);
    // Refusals that came while the allowed jobs still ran count their reservations as spent, so
    // every one of them says nothing is left.
    for (const o of refused)
      expect(o).toEqual({
        status: 429,
        body: { error: { message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } },
      });
    const proof = await proveLedger(database, customer.accountId);
    expect(proof.jobs.size).toBe(allowed);
    expect(proof.account).toEqual({ balance: (10 - allowed) * PRICE, reserved: 0, active_jobs: 0 });
    const key = await database.db
      .selectFrom('api_keys')
      .select(['spent', 'reserved', 'active_jobs'])
      .where('id', '=', customer.keyId)
      .executeTakeFirstOrThrow();
    expect({ spent: Number(key.spent), reserved: Number(key.reserved), active_jobs: key.active_jobs }).toEqual({
      spent: allowed * PRICE,
      reserved: 0,
      active_jobs: 0,
    });
  });

  it('answers concurrent retries of one request (one Idempotency-Key) with its one job, even when it took the whole balance', async () => {
    const customer = await fundedCustomer(gw.baseUrl, PRICE);
    const send = () =>
      fetch(`${gw.baseUrl}/v1/images/generations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${customer.key}`,
          'content-type': 'application/json',
          'idempotency-key': 'retry-of-one-request',
        },
        body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a red kite', size: '1024x1024', quality: 'medium' }),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    const answers = await Promise.all(Array.from({ length: 8 }, send));
    // A duplicate that lost the race for the job must not be refused for the money its own job holds.
    expect(answers.map((a) => [a.status, a.body.error?.code ?? null])).toEqual(Array(8).fill([200, null]));
    const images = new Set(answers.map((a) => JSON.stringify(a.body.data)));
    expect(images.size).toBe(1);

    const proof = await proveLedger(database, customer.accountId);
    expect(proof.jobs.size).toBe(1);
    expect([...proof.jobs.values()]).toEqual([{ reservation: PRICE, capture: PRICE, release: 0, loss: 0 }]);
    expect(proof.account).toEqual({ balance: 0, reserved: 0, active_jobs: 0 });
  });

  it('is not retried by the official client with its default retries: one HTTP request per refusal', async () => {
    const customer = await fundedCustomer(gw.baseUrl, PRICE - 1);
    const proxy = await countingProxy(gw.baseUrl);
    try {
      const client = new OpenAI({ apiKey: customer.key, baseURL: `${proxy.url}/v1` }); // maxRetries: 2, the default
      expect(client.maxRetries).toBe(2);
      const refused = await client.images
        .generate({ model: 'gpt-image-1', prompt: 'a red kite', size: '1024x1024', quality: 'medium' })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
      expect((refused as InstanceType<typeof OpenAI.APIError>).error).toEqual({
        ...refusal(PRICE - 1).error,
        message:
          'This request needs up to 42,000 credits, but the account has 41,999 available (balance 41,999, 0 held by running jobs). ' +
          'Top up the account, or ask for fewer or shorter outputs.',
      });
      expect(proxy.count()).toBe(1);
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });
});
