import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { admin, fundedCustomer } from './helpers/accounts.js';
import { databaseLabel } from './helpers/database.js';
import { type RunningGateway, startGateway, TEST_API_KEY } from './helpers/gateway.js';

type Json = Record<string, any>;

const GPT_IMAGE_1 = 42_000; // the default price of one medium 1024x1024 gpt-image-1 image

describe(`admin API: managing accounts, keys and prices (${databaseLabel})`, { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  /** A request any valid key may make, that starts nothing: shows how authentication treats the key. */
  async function listModels(key: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${gw.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Json };
  }

  /** One image through the plain HTTP API; returns status, headers and body. */
  async function generate(key: string, model = 'gpt-image-1') {
    const response = await fetch(`${gw.baseUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, prompt: 'a red bicycle', size: '1024x1024' }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  }

  /**
   * Ids sort by creation time, then by chance within one millisecond: newest first means descending
   * ids and times.
   */
  function expectNewestFirst(entries: Json[]): void {
    const ids = entries.map((e) => e.id as string);
    expect(ids).toEqual([...ids].sort().reverse());
    const times = entries.map((e) => e.created_at as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  }

  const ledger = async (accountId: string, query = '') =>
    (await admin<Json>(gw.baseUrl, 'GET', `/accounts/${accountId}/ledger${query}`)).body;

  it('suspending an account refuses its keys at once; resuming lets them in again', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 100_000);
    expect((await listModels(customer.key)).status).toBe(200); // now cached as active

    const suspended = await admin(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ object: 'account', id: customer.accountId, status: 'suspended' });
    const refused = await listModels(customer.key);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: {
        message: 'The account this API key belongs to is suspended. Contact the operator.',
        type: 'permission_error',
        param: null,
        code: 'account_suspended',
      },
    });
    const listed = await admin<Json>(gw.baseUrl, 'GET', '/accounts?status=suspended');
    expect(listed.body.data.map((a: Json) => a.id)).toEqual([customer.accountId]);

    const resumed = await admin(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/resume`);
    expect(resumed.body).toMatchObject({ status: 'active' });
    const image = await generate(customer.key);
    expect(image.status).toBe(200);
    expect((await admin<Json>(gw.baseUrl, 'GET', '/accounts?status=suspended')).body.data).toEqual([]);
  });

  it('lists accounts, and changes an account with PATCH', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 1_000);
    const all = await admin<Json>(gw.baseUrl, 'GET', '/accounts');
    expect(all.status).toBe(200);
    const ids = all.body.data.map((a: Json) => a.id);
    expect(ids).toContain('acct_default');
    expect(ids).toContain(customer.accountId);

    const patched = await admin(gw.baseUrl, 'PATCH', `/accounts/${customer.accountId}`, {
      name: 'Renamed',
      monthly_spend_limit: 500_000,
      rpm_limit: 30,
      concurrency_limit: 2,
      models: ['gpt-image-1'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'Renamed',
      monthly_spend_limit: 500_000,
      rpm_limit: 30,
      concurrency_limit: 2,
      models: ['gpt-image-1'],
      balance: 1_000,
    });
    const unknownModel = await admin(gw.baseUrl, 'PATCH', `/accounts/${customer.accountId}`, { models: ['nope-1'] });
    expect(unknownModel.status).toBe(400);
    expect(unknownModel.body).toEqual({
      error: {
        message: "nope-1 is not a model of this gateway's catalog.",
        type: 'invalid_request_error',
        param: 'models',
        code: 'model_not_found',
      },
    });
    const unknownField = await admin<Json>(gw.baseUrl, 'PATCH', `/accounts/${customer.accountId}`, { balance: 5 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.type).toBe('invalid_request_error');
    const missing = await admin(gw.baseUrl, 'PATCH', '/accounts/acct_nope', { name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { message: 'No account acct_nope.', type: 'not_found_error', param: 'id', code: 'account_not_found' },
    });
  });

  it('revoking a key refuses it at once, and revoking again changes nothing', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 100_000);
    expect((await listModels(customer.key)).status).toBe(200);
    const revoked = await admin<Json>(gw.baseUrl, 'POST', `/keys/${customer.keyId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ object: 'api_key', id: customer.keyId });
    expect(revoked.body.revoked_at).toBeGreaterThan(0);
    expect(revoked.body).not.toHaveProperty('key');

    const refused = await listModels(customer.key);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });

    const again = await admin<Json>(gw.baseUrl, 'POST', `/keys/${customer.keyId}/revoke`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    const missing = await admin(gw.baseUrl, 'POST', '/keys/key_nope/revoke');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { message: 'No API key key_nope.', type: 'not_found_error', param: 'id', code: 'key_not_found' },
    });
  });

  it('reads and lists keys without their secrets, and an expiry in the past refuses the key', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 100_000);
    const second = await admin<Json>(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/keys`, { name: 'second' });
    const read = await admin<Json>(gw.baseUrl, 'GET', `/keys/${customer.keyId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ object: 'api_key', id: customer.keyId, account_id: customer.accountId });
    expect(read.body).not.toHaveProperty('key');
    const listed = await admin<Json>(gw.baseUrl, 'GET', `/accounts/${customer.accountId}/keys`);
    expect(listed.body.data.map((k: Json) => k.id)).toEqual([customer.keyId, second.body.id]);
    expect(JSON.stringify(listed.body)).not.toContain(customer.key);
    expect(JSON.stringify(listed.body)).not.toContain(second.body.key);
    expect((await admin(gw.baseUrl, 'GET', '/accounts/acct_nope/keys')).status).toBe(404);

    expect((await listModels(customer.key)).status).toBe(200);
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await admin<Json>(gw.baseUrl, 'PATCH', `/keys/${customer.keyId}`, {
      expires_at: past,
      name: 'old',
    });
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ expires_at: past, name: 'old' });
    const refused = await listModels(customer.key);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'api_key_expired', param: null });
    expect(refused.body.error.message).toContain(new Date(past * 1000).toISOString());

    const farFuture = await admin<Json>(gw.baseUrl, 'PATCH', `/keys/${customer.keyId}`, { expires_at: 1e15 });
    expect(farFuture.status).toBe(400);
    expect(farFuture.body.error).toMatchObject({ type: 'invalid_request_error', param: 'expires_at' });
    await admin(gw.baseUrl, 'PATCH', `/keys/${customer.keyId}`, { expires_at: null });
    expect((await listModels(customer.key)).status).toBe(200);
  });

  it("refuses models outside the key's allow-list, narrowed by the account's", async () => {
    const customer = await fundedCustomer(gw.baseUrl, 1_000_000, { key: { models: ['gpt-image-1', 'dall-e-3'] } });
    const other = await generate(customer.key, 'flux-kontext-pro');
    expect(other.status).toBe(403);
    expect(other.body).toEqual({
      error: {
        message: 'This API key may not use flux-kontext-pro. It may use: gpt-image-1, dall-e-3.',
        type: 'permission_error',
        param: 'model',
        code: 'model_not_allowed',
      },
    });
    expect(other.headers.get('x-should-retry')).toBe('false');

    await admin(gw.baseUrl, 'PATCH', `/accounts/${customer.accountId}`, { models: ['gpt-image-1', 'flux'] });
    const narrowed = await generate(customer.key, 'dall-e-3');
    expect(narrowed.status).toBe(403);
    expect(narrowed.body.error).toMatchObject({
      message: 'This API key may not use dall-e-3. It may use: gpt-image-1.',
      code: 'model_not_allowed',
    });
    expect((await generate(customer.key, 'gpt-image-1')).status).toBe(200);

    const widened = await admin<Json>(gw.baseUrl, 'PATCH', `/keys/${customer.keyId}`, { models: null });
    expect(widened.body.models).toBeNull();
    const byAccount = await generate(customer.key, 'dall-e-3');
    expect(byAccount.body.error.message).toBe('This API key may not use dall-e-3. It may use: gpt-image-1, flux.');
  });

  it('adjusts balances either way, with the note in the ledger', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 10_000);
    const plus = await admin<Json>(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/adjustments`, {
      amount: 2_500,
      note: 'goodwill credit',
    });
    expect(plus.status).toBe(201);
    expect(plus.body).toMatchObject({
      object: 'account.adjustment',
      amount: 2_500,
      note: 'goodwill credit',
      account: { balance: 12_500 },
    });
    const minus = await admin<Json>(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/adjustments`, {
      amount: -4_000,
      note: 'refund reversed',
    });
    expect(minus.status).toBe(201);
    expect(minus.body.account).toMatchObject({ balance: 8_500, available: 8_500 });

    const entries = await ledger(customer.accountId);
    expect(entries.has_more).toBe(false);
    const rows = entries.data.map((e: Json) => ({ id: e.id, kind: e.kind, amount: e.amount, note: e.note }));
    expect(rows).toHaveLength(3);
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: minus.body.id, kind: 'adjustment', amount: -4_000, note: 'refund reversed' },
        { id: plus.body.id, kind: 'adjustment', amount: 2_500, note: 'goodwill credit' },
        { id: expect.any(String), kind: 'top_up', amount: 10_000, note: 'opening balance' },
      ]),
    );
    expectNewestFirst(entries.data);
    expect(entries.data[0]).toMatchObject({ object: 'ledger_entry', account_id: customer.accountId, job_id: null });

    for (const [body, param] of [
      [{ amount: 0, note: 'nothing' }, 'amount'],
      [{ amount: 5 }, 'note'],
      [{ amount: 5, note: '   ' }, 'note'],
    ] as const) {
      const refused = await admin<Json>(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/adjustments`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect((await admin<Json>(gw.baseUrl, 'GET', `/accounts/${customer.accountId}`)).body.balance).toBe(8_500);
  });

  it('pages through the ledger newest first with `before`, and filters it', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 1);
    for (let i = 1; i <= 6; i++)
      await admin(gw.baseUrl, 'POST', `/accounts/${customer.accountId}/adjustments`, { amount: i, note: `n${i}` });
    const all = await ledger(customer.accountId);
    expect(all.data.map((e: Json) => e.note).sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'opening balance']);
    expectNewestFirst(all.data);

    const pages: string[][] = [];
    let before: string | undefined;
    for (;;) {
      const page = await ledger(customer.accountId, `?limit=3${before ? `&before=${before}` : ''}`);
      pages.push(page.data.map((e: Json) => e.id));
      expect(page.first_id).toBe(page.data[0].id);
      expect(page.last_id).toBe(page.data.at(-1).id);
      if (!page.has_more) break;
      before = page.last_id;
    }
    const ids = all.data.map((e: Json) => e.id);
    expect(pages).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);

    const topUps = await ledger(customer.accountId, '?kind=top_up');
    expect(topUps.data.map((e: Json) => e.amount)).toEqual([1]);
    for (const query of ['?limit=0', '?limit=501', '?kind=bonus', '?sort=asc']) {
      const refused = await admin<Json>(gw.baseUrl, 'GET', `/accounts/${customer.accountId}/ledger${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.error.type, query).toBe('invalid_request_error');
    }
    expect((await admin(gw.baseUrl, 'GET', '/accounts/acct_nope/ledger')).status).toBe(404);
  });

  it('a price set through the API applies to the next job, and DELETE restores the default', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 1_000_000);
    // Other tests expect the default price, whatever happens here.
    onTestFinished(async () => {
      await admin(gw.baseUrl, 'DELETE', '/prices/gpt-image-1');
    });
    const set = await admin<Json>(gw.baseUrl, 'PUT', '/prices/gpt-image-1', { per_image: 10_000 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      object: 'price',
      model: 'gpt-image-1',
      per_image: 10_000,
      per_second: null,
      rules: [],
      source: 'admin',
    });
    const listed = await admin<Json>(gw.baseUrl, 'GET', '/prices');
    expect(listed.body.unit).toEqual({ credits_per_unit: 1_000_000, currency: 'USD' });
    expect(listed.body.data.find((p: Json) => p.model === 'gpt-image-1')).toEqual(set.body);
    expect(listed.body.data.find((p: Json) => p.model === 'sora-2')).toMatchObject({
      per_second: 100_000,
      source: 'default',
    });

    const cheap = await generate(customer.key);
    expect(cheap.status).toBe(200);
    const jobId = cheap.headers.get('x-mediagate-job-id');
    const jobEntries = await ledger(customer.accountId, `?job_id=${jobId}`);
    // Capture and release are written in the same transaction (same millisecond): compare them sorted.
    expect(jobEntries.data.map((e: Json) => [e.kind, e.amount, e.model]).sort()).toEqual([
      ['capture', 10_000, 'gpt-image-1'],
      ['release', 0, 'gpt-image-1'],
      ['reservation', 10_000, 'gpt-image-1'],
    ]);
    expect((await admin<Json>(gw.baseUrl, 'GET', `/accounts/${customer.accountId}`)).body.balance).toBe(990_000);

    const reset = await admin<Json>(gw.baseUrl, 'DELETE', '/prices/gpt-image-1');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      object: 'price.reset',
      model: 'gpt-image-1',
      price: { per_image: GPT_IMAGE_1, source: 'default' },
    });
    expect((await generate(customer.key)).status).toBe(200);
    const account = await admin<Json>(gw.baseUrl, 'GET', `/accounts/${customer.accountId}`);
    expect(account.body).toMatchObject({ balance: 990_000 - GPT_IMAGE_1, reserved: 0 });
  });

  it('refuses a price in the wrong unit, an unknown model and unknown fields', async () => {
    const cases: [string, unknown, string | null, string][] = [
      ['/prices/gpt-image-1', { per_second: 5 }, 'per_second', 'invalid_value'],
      ['/prices/sora-2', { per_image: 5 }, 'per_image', 'invalid_value'],
      ['/prices/sora-2', { rules: [{ resolution: '1080p', per_image: 5 }] }, 'per_image', 'invalid_value'],
      ['/prices/gpt-image-1', {}, 'per_image', 'invalid_value'],
      ['/prices/nope-1', { per_image: 5 }, 'model', 'model_not_found'],
    ];
    for (const [path, body, param, code] of cases) {
      const refused = await admin<Json>(gw.baseUrl, 'PUT', path, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error, JSON.stringify(body)).toMatchObject({ type: 'invalid_request_error', param, code });
    }
    for (const body of [{ perImage: 5 }, { per_image: -1 }, { per_image: 1.5 }]) {
      const refused = await admin<Json>(gw.baseUrl, 'PUT', '/prices/gpt-image-1', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    const listed = await admin<Json>(gw.baseUrl, 'GET', '/prices');
    expect(listed.body.data.find((p: Json) => p.model === 'gpt-image-1').source).toBe('default');
  });

  it("a key's spend limit below one image's price refuses the request, naming the key's limit", async () => {
    const customer = await fundedCustomer(gw.baseUrl, 1_000_000, { key: { spend_limit: 5_000 } });
    const refused = await generate(customer.key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.body).toEqual({
      error: {
        message:
          "This request needs up to 42,000 credits, but this API key's spend limit of 5,000 credits leaves 5,000. " +
          "Ask the operator to raise the key's limit.",
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    });
    const account = await admin<Json>(gw.baseUrl, 'GET', `/accounts/${customer.accountId}`);
    expect(account.body).toMatchObject({ balance: 1_000_000, reserved: 0, active_jobs: 0 });
    const raised = await admin<Json>(gw.baseUrl, 'PATCH', `/keys/${customer.keyId}`, { spend_limit: 50_000 });
    expect(raised.body.spend_limit).toBe(50_000);
    expect((await generate(customer.key)).status).toBe(200);
    expect((await admin<Json>(gw.baseUrl, 'GET', `/keys/${customer.keyId}`)).body).toMatchObject({
      spent: GPT_IMAGE_1,
      reserved: 0,
    });
  });

  it('every admin route refuses a customer key with 403 admin_key_required', async () => {
    const document = (await (await fetch(`${gw.baseUrl}/openapi.json`)).json()) as Json;
    const routes = Object.entries(document.paths as Record<string, Json>)
      .filter(([path]) => path.startsWith('/admin/v1/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => [method.toUpperCase(), path] as const));
    expect(routes.length).toBeGreaterThanOrEqual(17);
    for (const [method, template] of routes) {
      const path = template.replace('/admin/v1', '').replace(/\{(\w+)\}/g, (_, name) => `${name}-1`);
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
      const refused = await admin<Json>(gw.baseUrl, method, path, body, TEST_API_KEY);
      expect(refused.status, `${method} ${template}`).toBe(403);
      expect(refused.body.error, `${method} ${template}`).toMatchObject({
        type: 'permission_error',
        code: 'admin_key_required',
      });
    }
  });
});
