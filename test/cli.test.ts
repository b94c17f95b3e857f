import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { expiry, pastTime, positiveCredits, priceRule, signedCredits } from '../src/cli/arguments.js';
import { parseDuration } from '../src/cli/durations.js';
import { isCliInvocation } from '../src/cli/index.js';
import { type Database, openDatabase } from '../src/db/index.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `mediagate` entry point (src/main.ts through tsx) as its own process. */
function cli(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a `--json` command that must succeed; returns its one JSON document. */
async function cliJson<T = Record<string, unknown>>(env: Record<string, string>, ...args: string[]): Promise<T> {
  const result = await cli(env, ...args, '--json');
  expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as T;
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
    expect(account).toMatchObject({
      id: expect.stringMatching(/^acct_[0-9a-f]{16}$/),
      name: 'Acme',
      status: 'active',
      balance: 5_000_000,
      reserved: 0,
      prepaid: true,
      monthlySpendLimit: 20_000_000,
      models: ['gpt-image-1', 'sora-2'],
      rpmLimit: 60,
      concurrencyLimit: 3,
    });
    const row = await database.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id as string)
      .execute();
    expect(row).toMatchObject([
      { name: 'Acme', balance: 5_000_000, reserved: 0, prepaid: 1, models: '["gpt-image-1","sora-2"]', rpm_limit: 60 },
    ]);
    const ledger = await database.db
      .selectFrom('ledger_entries')
      .select(['kind', 'amount', 'note', 'job_id'])
      .where('account_id', '=', account.id as string)
      .execute();
    expect(ledger).toEqual([{ kind: 'top_up', amount: 5_000_000, note: 'opening balance', job_id: null }]);

    // Human output: aligned key: value lines, amounts with the currency.
    const shown = await cli(env, 'accounts', 'show', account.id as string);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('balance:       5,000,000 (5.00 USD)\n');
    expect(shown.stdout).toContain('models:        gpt-image-1,sora-2\n');

    // "none" and "all" remove limits; suspend changes only the status.
    const updated = await cliJson(env, 'accounts', 'update', account.id as string, '--rpm', 'none', '--models', 'all');
    expect(updated).toMatchObject({ rpmLimit: null, models: null, concurrencyLimit: 3, monthlySpendLimit: 20_000_000 });
    const suspended = await cliJson(env, 'accounts', 'suspend', account.id as string);
    expect(suspended).toMatchObject({ status: 'suspended', balance: 5_000_000 });
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
    const topUp = await cliJson<{ entryId: string; account: { balance: number } }>(
      env,
      'accounts',
      'top-up',
      id,
      '1000000',
      '--note',
      'invoice 42',
    );
    expect(topUp.account.balance).toBe(1_000_000);
    const adjust = await cliJson<{ account: { balance: number } }>(
      env,
      'accounts',
      'adjust',
      id,
      '-250000',
      '--note',
      'refund of a duplicate top-up',
    );
    expect(adjust.account.balance).toBe(750_000);

    const ledger = await cliJson<{ id: string; kind: string; amount: number; note: string }[]>(
      env,
      'accounts',
      'ledger',
      id,
    );
    expect(ledger.map(({ kind, amount, note }) => ({ kind, amount, note }))).toEqual([
      { kind: 'adjustment', amount: -250_000, note: 'refund of a duplicate top-up' },
      { kind: 'top_up', amount: 1_000_000, note: 'invoice 42' },
    ]);
    expect(ledger[1].id).toBe(topUp.entryId);
    const row = await database.db.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirst();
    expect(row).toEqual({ balance: 750_000 });
  });

  it('refuses amounts that are not whole credits and an adjustment without a note, as usage errors (exit 2)', async () => {
    const { env, database } = await setup();
    const decimal = await cli(env, 'accounts', 'top-up', 'acct_default', '1.5', '--json');
    expect(decimal.code).toBe(2);
    expect(decimal.stdout).toBe('');
    expect(decimal.stderr).toContain(
      `error: command-argument value '1.5' is invalid for argument 'amount'. Amounts are whole numbers of credits`,
    );
    const noNote = await cli(env, 'accounts', 'adjust', 'acct_default', '-5');
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toContain("error: required option '--note <text>' not specified");
    const unknown = await cli(env, 'acounts', 'list');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'acounts'");

    const ledger = await database.db.selectFrom('ledger_entries').select('id').execute();
    expect(ledger).toEqual([]);
  });

  it('a failed command exits 1 with an actionable message; with --json the error is one JSON document on stderr', async () => {
    const { env } = await setup();
    const human = await cli(env, 'keys', 'create', '--account', 'acct_missing', '--name', 'x');
    expect(human).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: No account acct_missing. `mediagate accounts list` shows the account ids.\n',
    });
    const json = await cli(env, 'prices', 'set', 'no-such-model', '--per-image', '5', '--json');
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
    const human = await cli(env, 'keys', 'create', '--account', 'acct_default', '--name', 'ci', '--expires', '30d');
    expect(human.code).toBe(0);
    const secret = human.stdout.match(/^key: (sk-mg-[A-Za-z0-9_-]{32})\n/)?.[1];
    expect(secret, human.stdout).toBeDefined();
    expect(human.stdout).toContain('\nThis secret will not be shown again (only its hash is stored)');

    const created = await cliJson<{ id: string; key: string; accountId: string; expiresAt: number }>(
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
    expect(created).toMatchObject({ accountId: 'acct_default', name: 'batch', rpmLimit: 60, spendLimit: 1_000_000 });
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
    expect(updated).toMatchObject({ id: created.id, rpmLimit: null, concurrencyLimit: 2, spendLimit: 1_000_000 });
    const revoked = await cliJson<{ revokedAt: number | null }>(env, 'keys', 'revoke', created.id);
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    const listed = await cliJson<{ name: string; revokedAt: number | null }[]>(
      env,
      'keys',
      'list',
      '--account',
      'acct_default',
    );
    expect(listed.map((k) => [k.name, k.revokedAt === null])).toEqual([
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
    expect(set).toEqual({ model: 'gpt-image-1', price, source: 'admin' });
    const stored = await database.db.selectFrom('price_overrides').select(['model', 'price']).execute();
    expect(stored.map((r) => ({ model: r.model, price: JSON.parse(r.price) }))).toEqual([
      { model: 'gpt-image-1', price },
    ]);

    const list = await cliJson<{ model: string; source: string }[]>(env, 'prices', 'list');
    expect(list.find((p) => p.model === 'gpt-image-1')).toEqual({ model: 'gpt-image-1', price, source: 'admin' });
    expect(list.find((p) => p.model === 'sora-2')).toMatchObject({ source: 'default', price: { perSecond: 100_000 } });

    const both = await cli(env, 'prices', 'set', 'sora-2', '--per-image', '1', '--per-second', '2');
    expect(both).toMatchObject({ code: 2, stderr: 'error: Give exactly one of --per-image and --per-second.\n' });

    const reset = await cliJson(env, 'prices', 'reset', 'gpt-image-1');
    expect(reset).toMatchObject({ model: 'gpt-image-1', source: 'default', price: { perImage: 42_000 } });
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
    expect(created.key).toMatch(/^mg-admin-[A-Za-z0-9_-]{32}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    const rows = await database.db.selectFrom('admin_keys').selectAll().execute();
    expect(rows).toMatchObject([{ id: created.id, name: 'ops', key_hash: sha256(created.key), revoked_at: null }]);
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
      const key = await cliJson<{ key: string }>(env, 'keys', 'create', '--account', account.id, '--name', 'app');
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
      const ledger = await cliJson<{ kind: string; amount: number; jobId: string | null }[]>(
        env,
        'accounts',
        'ledger',
        account.id,
      );
      // Newest first; the capture and release of one settlement share a time, so their order is not fixed.
      const entries = ledger.map(({ kind, amount, jobId }) => ({ kind, amount, jobId }));
      expect(entries.slice(2)).toEqual([
        { kind: 'reservation', amount: 30_000, jobId },
        { kind: 'top_up', amount: 50_000, jobId: null },
      ]);
      // Settlement writes both entries, a zero release included: the unique index refuses a second one.
      expect(entries.slice(0, 2).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
        { kind: 'capture', amount: 30_000, jobId },
        { kind: 'release', amount: 0, jobId },
      ]);
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
