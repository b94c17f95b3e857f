import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expiry, pastTime, positiveCredits, priceRule, signedCredits } from '../src/cli/arguments.js';
import { parseDuration } from '../src/billing/time-expressions.js';
import { isCliInvocation } from '../src/cli/index.js';
import { type Database, openDatabase } from '../src/db/index.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { runCli } from './helpers/cli.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { call } from './helpers/operator.js';

/** Runs a `--json` command that must succeed; returns its one JSON document. */
async function cliJson<T = Record<string, unknown>>(env: Record<string, string>, ...args: string[]): Promise<T> {
  const result = await runCli(env, ...args, '--json');
  expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as T;
}

interface Ledger {
  object: 'list';
  data: { id: string; kind: string; amount: number; note: string | null; job_id: string | null }[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe(`mediagate CLI (${databaseLabel})`, { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fresh data dir (and PostgreSQL schema), the env the CLI runs with, and a connection to read rows. */
  async function setup(): Promise<{ env: Record<string, string>; database: Database }> {
    const dataDir = await mkdtemp(join(tmpdir(), 'mediagate-cli-'));
    const options = await testDatabaseOptions(dataDir);
    const env: Record<string, string> = {
      MEDIAGATE_DATA_DIR: dataDir,
      ...(options.url ? { DATABASE_URL: options.url } : {}),
      ...(options.schema ? { DATABASE_SCHEMA: options.schema } : {}),
    };
    const database = await openDatabase({ ...options, skipDataDirLock: true });
    cleanups.push(async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    return { env, database };
  }

  it('accounts create records the account and its opening balance as a top-up in the ledger', async () => {
    const { env, database } = await setup();
    const account = await cliJson(
      env,
      'accounts',
      'create',
      '--name',
      'Acme',
      '--balance',
      '5000000',
      '--models',
      'gpt-image-1,sora-2',
      '--rpm',
      '60',
      '--concurrency',
      '3',
      '--monthly-limit',
      '20000000',
    );
    // The admin API's account object: snake_case, unix seconds.
    expect(account).toEqual({
      object: 'account',
      id: expect.stringMatching(/^acct_[0-9a-f]{16}$/),
      name: 'Acme',
      status: 'active',
      balance: 5_000_000,
      reserved: 0,
      available: 5_000_000,
      active_jobs: 0,
      prepaid: true,
      monthly_spend_limit: 20_000_000,
      models: ['gpt-image-1', 'sora-2'],
      rpm_limit: 60,
      concurrency_limit: 3,
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
    });
    const row = await database.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id as string)
      .execute();
    expect(row).toMatchObject([
      { name: 'Acme', balance: 5_000_000, reserved: 0, prepaid: 1, models: '["gpt-image-1","sora-2"]', rpm_limit: 60 },
    ]);
    expect(account.created_at).toBe(Math.floor(Number(row[0].created_at) / 1000));
    const ledger = await database.db
      .selectFrom('ledger_entries')
      .select(['kind', 'amount', 'note', 'job_id'])
      .where('account_id', '=', account.id as string)
      .execute();
    expect(ledger).toEqual([{ kind: 'top_up', amount: 5_000_000, note: 'opening balance', job_id: null }]);

    // Human output: aligned key: value lines, amounts with the currency.
    const shown = await runCli(env, 'accounts', 'show', account.id as string);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('balance:       5,000,000 (5.00 USD)\n');
    expect(shown.stdout).toContain('models:        gpt-image-1,sora-2\n');

    // "none" and "all" remove limits; suspend changes only the status.
    const updated = await cliJson(env, 'accounts', 'update', account.id as string, '--rpm', 'none', '--models', 'all');
    expect(updated).toMatchObject({
      object: 'account',
      rpm_limit: null,
      models: null,
      concurrency_limit: 3,
      monthly_spend_limit: 20_000_000,
    });
    const suspended = await cliJson(env, 'accounts', 'suspend', account.id as string);
    expect(suspended).toMatchObject({ object: 'account', status: 'suspended', balance: 5_000_000 });
    const listed = await cliJson<{ object: string; data: { id: string; status: string }[] }>(env, 'accounts', 'list');
    expect(listed.object).toBe('list');
    expect(listed.data.map(({ id, status }) => ({ id, status }))).toEqual([
      { id: 'acct_default', status: 'active' },
      { id: account.id, status: 'suspended' },
    ]);
    expect(
      await database.db
        .selectFrom('accounts')
        .select(['status', 'rpm_limit', 'models'])
        .where('id', '=', account.id as string)
        .execute(),
    ).toEqual([{ status: 'suspended', rpm_limit: null, models: null }]);
  });

  it('top-up and adjust move the balance through the ledger; ledger lists them newest first', async () => {
    const { env, database } = await setup();
    const { id } = await cliJson<{ id: string }>(env, 'accounts', 'create', '--name', 'Beta');
    const topUp = await cliJson<{ object: string; id: string; note: string; account: { balance: number } }>(
      env,
      'accounts',
      'top-up',
      id,
      '1000000',
      '--note',
      'invoice 42',
    );
    expect(topUp).toMatchObject({ object: 'account.top_up', amount: 1_000_000, note: 'invoice 42' });
    expect(topUp.account).toMatchObject({ object: 'account', id, balance: 1_000_000, available: 1_000_000 });
    const adjust = await cliJson<{ object: string; amount: number; account: { balance: number } }>(
      env,
      'accounts',
      'adjust',
      id,
      '-250000',
      '--note',
      'refund of a duplicate top-up',
    );
    expect(adjust).toMatchObject({ object: 'account.adjustment', amount: -250_000, account: { balance: 750_000 } });

    // The admin API's ledger page: newest first, with its paging fields.
    const ledger = await cliJson<Ledger>(env, 'accounts', 'ledger', id);
    expect(ledger).toEqual({
      object: 'list',
      data: [
        {
          object: 'ledger_entry',
          id: expect.any(String),
          account_id: id,
          api_key_id: null,
          job_id: null,
          kind: 'adjustment',
          amount: -250_000,
          model: null,
          note: 'refund of a duplicate top-up',
          created_at: expect.any(Number),
        },
        {
          object: 'ledger_entry',
          id: topUp.id,
          account_id: id,
          api_key_id: null,
          job_id: null,
          kind: 'top_up',
          amount: 1_000_000,
          model: null,
          note: 'invoice 42',
          created_at: expect.any(Number),
        },
      ],
      first_id: ledger.data[0].id,
      last_id: topUp.id,
      has_more: false,
    });
    const page = await cliJson<Ledger>(env, 'accounts', 'ledger', id, '--limit', '1');
    expect(page).toMatchObject({ first_id: ledger.data[0].id, last_id: ledger.data[0].id, has_more: true });
    expect(page.data).toHaveLength(1);
    const row = await database.db.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirst();
    expect(row).toEqual({ balance: 750_000 });
  });

  it('refuses amounts that are not whole credits and an adjustment without a note, as usage errors (exit 2)', async () => {
    const { env, database } = await setup();
    const decimal = await runCli(env, 'accounts', 'top-up', 'acct_default', '1.5', '--json');
    expect(decimal.code).toBe(2);
    expect(decimal.stdout).toBe('');
    expect(decimal.stderr).toContain(
      `error: command-argument value '1.5' is invalid for argument 'amount'. Amounts are whole numbers of credits`,
    );
    const noNote = await runCli(env, 'accounts', 'adjust', 'acct_default', '-5');
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toContain("error: required option '--note <text>' not specified");
    const unknown = await runCli(env, 'acounts', 'list');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'acounts'");

    const ledger = await database.db.selectFrom('ledger_entries').select('id').execute();
    expect(ledger).toEqual([]);
  });

  it('a failed command exits 1 with an actionable message; with --json the error is one JSON document on stderr', async () => {
    const { env } = await setup();
    const human = await runCli(env, 'keys', 'create', '--account', 'acct_missing', '--name', 'x');
    expect(human).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: No account acct_missing. `mediagate accounts list` shows the account ids.\n',
    });
    const json = await runCli(env, 'prices', 'set', 'no-such-model', '--per-image', '5', '--json');
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        code: 'model_not_found',
        message: "no-such-model is not a model of this gateway's catalog. `mediagate prices list` shows the models.",
        param: 'model',
      },
    });
  });

  it('keys create prints the secret once and stores only its hash; update, revoke and list', async () => {
    const { env, database } = await setup();
    const human = await runCli(env, 'keys', 'create', '--account', 'acct_default', '--name', 'ci', '--expires', '30d');
    expect(human.code).toBe(0);
    const secret = human.stdout.match(/^key: (sk-mg-[A-Za-z0-9_-]{32})\n/)?.[1];
    expect(secret, human.stdout).toBeDefined();
    expect(human.stdout).toContain('\nThis secret will not be shown again (only its hash is stored)');

    const created = await cliJson<{ id: string; key: string }>(
      env,
      'keys',
      'create',
      '--account',
      'acct_default',
      '--name',
      'batch',
      '--rpm',
      '60',
      '--spend-limit',
      '1000000',
      '--models',
      'gpt-image-1',
    );
    expect(created).toEqual({
      object: 'api_key',
      id: expect.stringMatching(/^key_/),
      account_id: 'acct_default',
      name: 'batch',
      prefix: created.key.slice(0, 9),
      created_at: expect.any(Number),
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
      spend_limit: 1_000_000,
      spent: 0,
      reserved: 0,
      active_jobs: 0,
      models: ['gpt-image-1'],
      rpm_limit: 60,
      concurrency_limit: null,
      key: expect.stringMatching(/^sk-mg-/),
    });
    const rows = await database.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    expect(rows.map((r) => r.key_hash)).toEqual([sha256(secret!), sha256(created.key)]);
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(secret!.slice(10));
      expect(JSON.stringify(row)).not.toContain(created.key.slice(10));
    }
    const day = 86_400_000;
    expect(rows[0].expires_at).toBeGreaterThan(rows[0].created_at + 30 * day - 60_000);
    expect(rows[0].expires_at).toBeLessThanOrEqual(rows[0].created_at + 30 * day + 60_000);

    const updated = await cliJson(env, 'keys', 'update', created.id, '--rpm', 'none', '--concurrency', '2');
    expect(updated).toMatchObject({
      object: 'api_key',
      id: created.id,
      rpm_limit: null,
      concurrency_limit: 2,
      spend_limit: 1_000_000,
    });
    expect(updated).not.toHaveProperty('key');
    const revoked = await cliJson<{ revoked_at: number | null }>(env, 'keys', 'revoke', created.id);
    expect(revoked.revoked_at).toEqual(expect.any(Number));
    const listed = await cliJson<{
      object: string;
      data: { name: string; expires_at: number; revoked_at: number | null }[];
    }>(env, 'keys', 'list', '--account', 'acct_default');
    expect(listed.object).toBe('list');
    // Times are unix seconds, as in the admin API.
    expect(listed.data[0].expires_at).toBe(Math.floor(Number(rows[0].expires_at) / 1000));
    expect(listed.data.map((k) => [k.name, k.revoked_at === null])).toEqual([
      ['ci', true],
      ['batch', false],
    ]);
  });

  it('prices set stores a price with its rules, list shows where each came from, reset drops it', async () => {
    const { env, database } = await setup();
    const set = await cliJson(
      env,
      'prices',
      'set',
      'gpt-image-1',
      '--per-image',
      '50000',
      '--rule',
      'quality=high,size=1024x1024:167000',
      '--rule',
      'quality=low:11000',
    );
    const price = {
      perImage: 50_000,
      rules: [
        { quality: 'high', size: '1024x1024', perImage: 167_000 },
        { quality: 'low', perImage: 11_000 },
      ],
    };
    const priceObject = {
      object: 'price',
      model: 'gpt-image-1',
      per_image: 50_000,
      per_second: null,
      rules: [
        { quality: 'high', size: '1024x1024', resolution: null, per_image: 167_000, per_second: null },
        { quality: 'low', size: null, resolution: null, per_image: 11_000, per_second: null },
      ],
      source: 'admin',
    };
    expect(set).toEqual(priceObject);
    const stored = await database.db.selectFrom('price_overrides').select(['model', 'price']).execute();
    expect(stored.map((r) => ({ model: r.model, price: JSON.parse(r.price) }))).toEqual([
      { model: 'gpt-image-1', price },
    ]);

    const list = await cliJson<{ data: { model: string }[]; unit: unknown }>(env, 'prices', 'list');
    expect(list).toMatchObject({ object: 'list', unit: { credits_per_unit: 1_000_000, currency: 'USD' } });
    expect(list.data.find((p) => p.model === 'gpt-image-1')).toEqual(priceObject);
    expect(list.data.find((p) => p.model === 'sora-2')).toMatchObject({
      object: 'price',
      source: 'default',
      per_image: null,
      per_second: 100_000,
    });

    const both = await runCli(env, 'prices', 'set', 'sora-2', '--per-image', '1', '--per-second', '2');
    expect(both).toMatchObject({ code: 2, stderr: 'error: Give exactly one of --per-image and --per-second.\n' });

    // Typed in another case, the model is reset under the catalog's spelling.
    const reset = await cliJson(env, 'prices', 'reset', 'GPT-Image-1');
    expect(reset).toMatchObject({
      object: 'price.reset',
      model: 'gpt-image-1',
      price: { object: 'price', source: 'default', per_image: 42_000 },
    });
    expect(await database.db.selectFrom('price_overrides').select('model').execute()).toEqual([]);
  });

  it('admin-keys create prints the admin secret once and stores its hash', async () => {
    const { env, database } = await setup();
    const created = await cliJson<{ id: string; key: string; prefix: string }>(
      env,
      'admin-keys',
      'create',
      '--name',
      'ops',
    );
    expect(created).toEqual({
      object: 'admin_key',
      id: expect.any(String),
      name: 'ops',
      prefix: expect.any(String),
      created_at: expect.any(Number),
      revoked_at: null,
      key: expect.any(String),
    });
    expect(created.key).toMatch(/^mg-admin-[A-Za-z0-9_-]{32}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    const rows = await database.db.selectFrom('admin_keys').selectAll().execute();
    expect(rows).toMatchObject([{ id: created.id, name: 'ops', key_hash: sha256(created.key), revoked_at: null }]);

    const revoked = await cliJson<{ revoked_at: number | null }>(env, 'admin-keys', 'revoke', created.id);
    expect(revoked.revoked_at).toEqual(expect.any(Number));
    const listed = await cliJson<{ data: { id: string; revoked_at: number | null }[] }>(env, 'admin-keys', 'list');
    expect(listed.data).toEqual([expect.objectContaining({ id: created.id, revoked_at: revoked.revoked_at })]);
    const stored = await database.db.selectFrom('admin_keys').select('revoked_at').executeTakeFirstOrThrow();
    expect(Math.floor(Number(stored.revoked_at) / 1000)).toBe(revoked.revoked_at);
  });

  describe('beside a running gateway on the same database', () => {
    let gw: RunningGateway | undefined;
    afterEach(async () => {
      await gw?.close();
      gw = undefined;
    });

    it('a key made by the CLI authenticates, and a CLI top-up while it runs lets the refused request through', async () => {
      gw = await startGateway();
      const env = gw.env;
      // The gateway holds the SQLite data-dir lock; the CLI works anyway.
      const account = await cliJson<{ id: string }>(env, 'accounts', 'create', '--name', 'Gamma');
      const key = await cliJson<{ id: string; key: string }>(
        env,
        'keys',
        'create',
        '--account',
        account.id,
        '--name',
        'app',
      );
      await cliJson(env, 'prices', 'set', 'gpt-image-1', '--per-image', '30000');

      const generate = () =>
        fetch(`${gw!.baseUrl}/v1/images/generations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a red cube', size: '1024x1024' }),
        });
      const refused = await generate();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-should-retry')).toBe('false');
      expect(await refused.json()).toEqual({
        error: {
          message:
            'This request needs up to 30,000 credits, but the account has 0 available (balance 0, 0 held by running jobs). ' +
            'Top up the account, or ask for fewer or shorter outputs.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      });

      await cliJson(env, 'accounts', 'top-up', account.id, '50000');
      const served = await generate();
      expect(served.status, await served.clone().text()).toBe(200);
      const jobId = served.headers.get('x-mediagate-job-id');

      const after = await cliJson<{ balance: number; reserved: number }>(env, 'accounts', 'show', account.id);
      expect(after).toMatchObject({ balance: 20_000, reserved: 0 });
      const ledger = await cliJson<Ledger>(env, 'accounts', 'ledger', account.id);
      // Newest first; the capture and release of one settlement share a time, so their order is not fixed.
      const entries = ledger.data.map(({ kind, amount, job_id: jobId }) => ({ kind, amount, jobId }));
      expect(entries.slice(2)).toEqual([
        { kind: 'reservation', amount: 30_000, jobId },
        { kind: 'top_up', amount: 50_000, jobId: null },
      ]);
      // Settlement writes both entries, a zero release included: the unique index refuses a second one.
      expect(entries.slice(0, 2).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
        { kind: 'capture', amount: 30_000, jobId },
        { kind: 'release', amount: 0, jobId },
      ]);

      // Each --json document is what the admin endpoint for the same thing answers.
      const same: [string[], string][] = [
        [['accounts', 'show', account.id], `/admin/v1/accounts/${account.id}`],
        [['accounts', 'list'], '/admin/v1/accounts'],
        [['accounts', 'ledger', account.id, '--limit', '2'], `/admin/v1/accounts/${account.id}/ledger?limit=2`],
        [['keys', 'list', '--account', account.id], `/admin/v1/accounts/${account.id}/keys`],
        [['prices', 'list'], '/admin/v1/prices'],
      ];
      for (const [args, path] of same) {
        const answer = await call(gw, path);
        expect(answer.status, path).toBe(200);
        expect(await cliJson(env, ...args), args.join(' ')).toEqual(answer.body);
      }
      expect(key.id).toEqual(expect.stringMatching(/^key_/));
    });

    it('usage shows the cost of a job the gateway ran, as GET /admin/v1/usage does, as a table or CSV', async () => {
      gw = await startGateway();
      const env = gw.env;
      const account = await cliJson<{ id: string }>(
        env,
        'accounts',
        'create',
        '--name',
        'Delta',
        '--balance',
        '100000',
      );
      const key = await cliJson<{ id: string; key: string }>(
        env,
        'keys',
        'create',
        '--account',
        account.id,
        '--name',
        'app',
      );
      await cliJson(env, 'prices', 'set', 'gpt-image-1', '--per-image', '30000');
      const served = await fetch(`${gw.baseUrl}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a red cube', size: '1024x1024' }),
      });
      expect(served.status, await served.clone().text()).toBe(200);

      // Yesterday (UTC), so that the period holds the job whenever the test runs.
      const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const usage = await cliJson(env, 'usage', '--account', account.id, '--since', since, '--group-by', 'model,key');
      expect(usage).toEqual({
        object: 'usage',
        filters: { account: account.id, key: null, model: null },
        since: Date.parse(since) / 1000,
        until: null,
        group_by: ['model', 'key'],
        rows: [
          {
            model: 'gpt-image-1',
            unit: 'image',
            api_key_id: key.id,
            jobs: 1,
            succeeded: 1,
            units: 1,
            cost: 30_000,
          },
        ],
        totals: { jobs: 1, succeeded: 1, units: 1, cost: 30_000 },
        credits: { unit: 'credit', per_currency_unit: 1_000_000, currency: 'USD' },
      });
      const admin = await call(gw, `/admin/v1/usage?account=${account.id}&since=${since}&group_by=model,key`);
      expect(admin.status).toBe(200);
      expect(usage).toEqual(admin.body);

      // Another account's filter sees none of it.
      const other = await cliJson<{ rows: unknown[]; totals: { cost: number } }>(
        env,
        'usage',
        '--account',
        'acct_default',
        '--since',
        since,
      );
      expect(other).toMatchObject({ rows: [], totals: { jobs: 0, cost: 0 } });

      const human = await runCli(env, 'usage', '--account', account.id, '--since', since, '--group-by', 'model');
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`Usage of account ${account.id}, `);
      expect(human.stdout).toContain(
        'MODEL        UNIT   JOBS  SUCCEEDED  UNITS  COST\ngpt-image-1  image  1     1          1      30,000\n',
      );
      expect(human.stdout).toContain('total: 1 job(s), 1 succeeded, cost 30,000 (0.03 USD)\n');

      const csv = await runCli(env, 'usage', '--account', account.id, '--since', since, '--group-by', 'model', '--csv');
      expect(csv).toEqual({
        code: 0,
        stdout: 'model,unit,jobs,succeeded,units,cost\r\ngpt-image-1,image,1,1,1,30000\r\ntotal,,1,1,1,30000\r\n',
        stderr: '',
      });

      const both = await runCli(env, 'usage', '--csv', '--json');
      expect(both).toMatchObject({ code: 2, stdout: '', stderr: 'error: Give --csv or --json, not both.\n' });
      const later = await runCli(env, 'usage', '--since', '1d', '--until', '2d');
      expect(later).toMatchObject({ code: 2, stderr: 'error: --until must be later than --since.\n' });
      const group = await runCli(env, 'usage', '--group-by', 'day,week');
      expect(group.code).toBe(2);
      expect(group.stderr).toContain(
        'Group by day, model and key (comma-separated), or none for the totals only; "week" is none of them.',
      );
    });
  });
});

describe('CLI argument parsing', () => {
  it('runs the CLI for a command, and the server with no arguments or only server flags', () => {
    const argv = (...args: string[]) => ['node', 'main.js', ...args];
    expect([argv(), argv('--print-config')].map(isCliInvocation)).toEqual([false, false]);
    expect([argv('accounts', 'list'), argv('--json', 'keys', 'list'), argv('--help')].map(isCliInvocation)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('reads durations as operators type them', () => {
    expect(['45s', '30m', '24h', '7d', '2w'].map(parseDuration)).toEqual([
      45_000, 1_800_000, 86_400_000, 604_800_000, 1_209_600_000,
    ]);
    expect(['7', 'd', '1.5d', '-1d', '0d', '7 days', ''].map(parseDuration)).toEqual(Array(7).fill(undefined));
  });

  it('accepts only whole credits, a signed non-zero adjustment, future expiries and well-formed price rules', () => {
    expect(positiveCredits('5000000')).toBe(5_000_000);
    for (const bad of ['0', '1.5', '1e6', '5,000', '-3', '9007199254740993', ''])
      expect(() => positiveCredits(bad), bad).toThrow();
    expect(signedCredits('-250000')).toBe(-250_000);
    expect(signedCredits('+7')).toBe(7);
    expect(() => signedCredits('0')).toThrow('non-zero whole number of credits');

    const now = Date.UTC(2026, 0, 1);
    expect(expiry(now)('30d')).toBe(now + 30 * 86_400_000);
    expect(expiry(now)('2026-02-01')).toBe(Date.UTC(2026, 1, 1));
    expect(() => expiry(now)('2025-12-31')).toThrow('2025-12-31 is in the past');
    expect(() => expiry(now)('next week')).toThrow('Give a duration such as 30m, 24h or 7d, or a date');
    expect(pastTime(now)('7d')).toBe(now - 7 * 86_400_000);
    expect(pastTime(now)('2025-11-01')).toBe(Date.UTC(2025, 10, 1));
    expect(pastTime(now)('1764633600')).toBe(1_764_633_600_000);
    expect(() => pastTime(now)('last week')).toThrow('Give a duration such as 30m, 24h or 7d (that long ago)');

    expect(priceRule('quality=high,size=1024x1024:167000')).toEqual({
      conditions: { quality: 'high', size: '1024x1024' },
      amount: 167_000,
    });
    expect(() => priceRule(':5')).toThrow('Write a rule as conditions and a price');
    expect(() => priceRule('colour=red:5')).toThrow('"colour" is not one of them');
    expect(() => priceRule('quality=high:1.5')).toThrow('whole numbers of credits');
  });
});
