import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';

describe(`first-start API key (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_API_KEYS: '', MEDIAGATE_ADMIN_KEYS: '' });
  });
  afterAll(async () => gw?.close());

  it('creates one key, writes it to initial-api-key with mode 0600, and stores only its hash', async () => {
    const key = gw.gateway.keys.createdKey!;
    expect(key).toMatch(/^sk-mg-[A-Za-z0-9_-]{32}$/);
    const file = join(gw.dataDir, 'initial-api-key');
    expect((await readFile(file, 'utf8')).trim()).toBe(key);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    if (databaseLabel === 'sqlite') {
      const raw = await readFile(join(gw.dataDir, 'mediagate.sqlite'));
      expect(raw.includes(Buffer.from(key))).toBe(false);
    }
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('sora-2');
  });

  it('creates one admin key too, in initial-admin-key with mode 0600: it opens /admin/v1, the API key does not', async () => {
    const adminKey = gw.gateway.keys.createdAdminKey!;
    expect(adminKey).toMatch(/^mg-admin-[A-Za-z0-9_-]{32}$/);
    const file = join(gw.dataDir, 'initial-admin-key');
    expect((await readFile(file, 'utf8')).trim()).toBe(adminKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const read = (key: string) =>
      fetch(`${gw.baseUrl}/admin/v1/accounts/acct_default`, { headers: { authorization: `Bearer ${key}` } });
    const account = await read(adminKey);
    expect(account.status).toBe(200);
    expect(await account.json()).toMatchObject({ id: 'acct_default', prepaid: false });
    expect((await read(gw.gateway.keys.createdKey!)).status).toBe(403);
  });

  it('does not create another key on the next start', async () => {
    const again = await buildGateway(loadConfig({ ...gw.env, MEDIAGATE_API_KEYS: '' }));
    try {
      expect(again.keys.createdKey).toBeUndefined();
      expect(again.keys.createdAdminKey).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it('asks for a key on a percent-encoded /v1 path too, since it is routed like the plain one', async () => {
    for (const [method, path] of [
      ['GET', '/%761/models'],
      ['GET', '/%761/usage'],
      ['POST', '/%761/images/generations'],
      ['GET', '/v%31/jobs/job_x'],
    ]) {
      const response = await fetch(`${gw.baseUrl}${path}`, {
        method,
        ...(method === 'POST' && { headers: { 'content-type': 'application/json' }, body: '{}' }),
      });
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toBe('missing_api_key');
    }
  });
});
