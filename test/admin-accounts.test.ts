import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { databaseLabel } from './helpers/database.js';
import { admin, fundedCustomer } from './helpers/accounts.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

const GPT_IMAGE_1 = 42_000; // the default price of one medium 1024x1024 gpt-image-1 image

describe(`admin API: accounts, keys and top-ups (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  it('creates an account with a balance, gives it a key shown once, tops it up, and reads it back', async () => {
    const created = await admin(gw.baseUrl, 'POST', '/accounts', { name: 'Acme', balance: 100_000 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'account',
      name: 'Acme',
      status: 'active',
      balance: 100_000,
      reserved: 0,
      available: 100_000,
      prepaid: true,
    });
    const id = created.body.id as string;
    expect(id).toMatch(/^acct_[0-9a-f]{16}$/);

    const key = await admin(gw.baseUrl, 'POST', `/accounts/${id}/keys`, { name: 'prod' });
    expect(key.status).toBe(201);
    expect(key.body).toMatchObject({ object: 'api_key', account_id: id, name: 'prod', revoked_at: null });
    expect(key.body.key).toMatch(/^sk-mg-[A-Za-z0-9_-]{32}$/);
    expect(String(key.body.key).startsWith(String(key.body.prefix))).toBe(true);

    const topUp = await admin(gw.baseUrl, 'POST', `/accounts/${id}/top-ups`, { amount: 25_000 });
    expect(topUp.status).toBe(201);
    expect(topUp.body).toMatchObject({ object: 'account.top_up', amount: 25_000, account: { balance: 125_000 } });

    const read = await admin(gw.baseUrl, 'GET', `/accounts/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, balance: 125_000, reserved: 0 });
  });

  it('charges a delivered image to the account and shows its cost on the job', async () => {
    const customer = await fundedCustomer(gw.baseUrl, 100_000);
    const completion = await customer.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a lighthouse at dusk' }],
    });
    const jobId = (completion as unknown as { id: string }).id;
    expect(completion.choices[0].message.content).toMatch(/!\[image\]\(http/);
    const account = await admin(gw.baseUrl, 'GET', `/accounts/${customer.accountId}`);
    expect(account.body).toMatchObject({ balance: 100_000 - GPT_IMAGE_1, reserved: 0, active_jobs: 0 });
    expect(jobId).toBeTruthy();
  });

  it('refuses customer keys and missing or unknown keys on the admin API', async () => {
    const customer = await admin(gw.baseUrl, 'GET', '/accounts/acct_default', undefined, TEST_API_KEY);
    expect(customer.status).toBe(403);
    expect(customer.body).toEqual({
      error: {
        message: expect.stringContaining('admin key'),
        type: 'permission_error',
        param: null,
        code: 'admin_key_required',
      },
    });
    const unknown = await admin(gw.baseUrl, 'GET', '/accounts/acct_default', undefined, 'mg-admin-not-a-real-key-000');
    expect(unknown.status).toBe(401);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const none = await fetch(`${gw.baseUrl}/admin/v1/accounts/acct_default`);
    expect(none.status).toBe(401);
  });

  it('answers 404 for an unknown account and 400 for a bad amount, in the envelope', async () => {
    const missing = await admin(gw.baseUrl, 'POST', '/accounts/acct_nope/top-ups', { amount: 5 });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { message: 'No account acct_nope.', type: 'not_found_error', param: 'id', code: 'account_not_found' },
    });
    const fractional = await admin(gw.baseUrl, 'POST', '/accounts/acct_default/top-ups', { amount: 1.5 });
    expect(fractional.status).toBe(400);
    expect((fractional.body as { error: { param: string } }).error.param).toBe('amount');
  });

  it('stops accepting an admin key once it is taken out of MEDIAGATE_ADMIN_KEYS', async () => {
    const other = 'mg-admin-another-key-0123456789';
    const next = await buildGateway(loadConfig({ ...gw.env, PORT: '0', MEDIAGATE_ADMIN_KEYS: other }));
    try {
      const port = await next.listen();
      const base = `http://127.0.0.1:${port}`;
      expect((await admin(base, 'GET', '/accounts/acct_default', undefined, other)).status).toBe(200);
      const old = await admin(base, 'GET', '/accounts/acct_default');
      expect(old.status).toBe(401);
      expect((old.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
    } finally {
      await next.close();
    }
  });
});
