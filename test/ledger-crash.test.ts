import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { admin, type FundedCustomer, fundedCustomer } from './helpers/accounts.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { channelsConfig } from './helpers/channels.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { TEST_ADMIN_KEY, TEST_API_KEY } from './helpers/gateway.js';
import { endedJobOf, openLedgerDatabase, proveLedger } from './helpers/ledger.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';

const IMAGE = 42_000; // gpt-image-1, medium, 1024x1024
const SECOND = 100_000; // sora-2, per second
const FUNDS = 5_000_000;
const GENERATIONS = /^\/v1\/images\/generations$/;
const CREATE = /^\/v1\/videos$/;
const CONTENT = /^\/v1\/videos\/[^/]+\/content$/;
const RETRIEVE = /^\/v1\/videos\/[^/]+$/;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The gateway process is killed (SIGKILL) with one job at each stage — its submission held by the
 * upstream, its upstream task in progress, its finished result half-downloaded — and restarted on
 * the same database. However each job then ends, it is settled exactly once: one capture, one
 * release, nothing left reserved, and the balance is the opening balance less what was captured.
 */
describe(`the ledger across a crash of the server (${databaseLabel})`, () => {
  const images = new FakeOpenAiImages(['sk-fake-openai']);
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: 2500, videoScale: 0.25 });
  const servers: ServerProcess[] = [];
  let dataDir = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    await Promise.all([images.start(), sora.start()]);
    dataDir = await mkdtemp(join(tmpdir(), 'mediagate-ledger-crash-'));
    const db = await testDatabaseOptions(dataDir);
    env = {
      PORT: '0',
      HOST: '127.0.0.1',
      MEDIAGATE_DATA_DIR: dataDir,
      MEDIAGATE_API_KEYS: TEST_API_KEY,
      MEDIAGATE_ADMIN_KEYS: TEST_ADMIN_KEY,
      MEDIAGATE_LEASE_MS: '1500',
      MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS: '300',
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...(await channelsConfig([
        {
          name: 'images',
          type: 'openai-images',
          baseUrl: `${images.url}/v1`,
          keys: ['sk-fake-openai'],
          models: ['gpt-image-1'],
        },
        {
          name: 'sora',
          type: 'openai-videos',
          baseUrl: `${sora.url}/v1`,
          keys: ['sk-fake-videos'],
          models: ['sora-2'],
        },
      ])),
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    };
  });
  afterAll(async () => {
    for (const server of servers) await killHard(server);
    await Promise.all([images.close(), sora.close()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  const post = (server: ServerProcess, customer: FundedCustomer, path: string, body: unknown) =>
    fetch(`${server.baseUrl}/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('settles every job exactly once after a kill -9 before submission, while polling and during the result download', {
    timeout: 90_000,
  }, async () => {
    const first = await spawnServer(env);
    servers.push(first);
    const [held, polling, downloading] = await Promise.all([
      fundedCustomer(first.baseUrl, FUNDS),
      fundedCustomer(first.baseUrl, FUNDS),
      fundedCustomer(first.baseUrl, FUNDS),
    ]);

    // (c) A video whose finished result is being downloaded, slowly, at the kill.
    sora.injectFaults('GET', CONTENT, [{ delayMs: 20_000 }]);
    const downloadingReply = post(first, downloading, '/videos', {
      model: 'sora-2',
      prompt: 'a slow download',
      seconds: '4',
    });
    expect((await downloadingReply).status).toBe(200);
    await until('the result download to start', () => sora.count('GET', CONTENT) === 1);

    // (b) A video whose upstream task is in progress at the kill.
    const createsBefore = sora.count('POST', CREATE);
    const pollsBefore = sora.count('GET', RETRIEVE);
    const polled = await post(first, polling, '/videos', {
      model: 'sora-2',
      prompt: 'a kite in progress',
      seconds: '4',
    });
    expect(polled.status).toBe(200);
    // POST /v1/videos answers before the job is submitted: wait for the upstream to have the task.
    await until('the video task to be created', () => sora.count('POST', CREATE) === createsBefore + 1);
    await until('the video task to exist', () => sora.tasks.size === 2);
    const task = [...sora.tasks.values()].at(-1)!;

    // (a) An image whose submission the upstream holds at the kill (the gateway cannot know if it was accepted).
    let release!: () => void;
    images.injectFaults('POST', GENERATIONS, [{ heldUntil: new Promise<void>((resolve) => (release = resolve)) }]);
    const heldReply = post(first, held, '/images/generations', {
      model: 'gpt-image-1',
      prompt: 'a held submission',
      size: '1024x1024',
      quality: 'medium',
    }).catch(() => undefined);
    await until('the image submission to reach the upstream', () => images.count('POST', GENERATIONS) === 1);
    await until('the video task to be polled', () => sora.count('GET', RETRIEVE) > pollsBefore);
    const state = await (
      await fetch(`${sora.url}/v1/videos/${task.id}`, { headers: { authorization: 'Bearer sk-fake-videos' } })
    ).json();
    expect(state.status).not.toBe('completed');

    // While the jobs run, their reservations are held.
    for (const customer of [held, polling, downloading]) {
      const account = await admin(first.baseUrl, 'GET', `/accounts/${customer.accountId}`);
      expect(account.body).toMatchObject({ balance: FUNDS, active_jobs: 1 });
    }

    await killHard(first);
    release();
    await heldReply;

    const second = await spawnServer(env);
    servers.push(second);
    const quote = { [held.accountId]: IMAGE, [polling.accountId]: 4 * SECOND, [downloading.accountId]: 4 * SECOND };
    await until(
      'every job to end',
      async () => {
        for (const customer of [held, polling, downloading]) {
          const account = await admin<{ active_jobs: number }>(
            second.baseUrl,
            'GET',
            `/accounts/${customer.accountId}`,
          );
          if (account.body.active_jobs !== 0) return false;
        }
        return true;
      },
      45_000,
    );
    // Stopped before reading: the embedded database belongs to one process.
    await killHard(second);

    const database = await openLedgerDatabase(env);
    try {
      for (const customer of [held, polling, downloading]) {
        const job = await endedJobOf(database, customer.accountId);
        const proof = await proveLedger(database, customer.accountId);
        expect(proof.jobs.size).toBe(1);
        const settled = proof.jobs.get(job.id)!;
        expect(settled.reservation).toBe(quote[customer.accountId]);
        expect(settled.capture).toBe(job.cost);
        expect(proof.account.balance).toBe(FUNDS - settled.capture);
      }
      // The task the upstream had in progress, and the one finished before the kill, are delivered and charged in full.
      expect(await endedJobOf(database, polling.accountId)).toMatchObject({ status: 'succeeded', cost: 4 * SECOND });
      expect(await endedJobOf(database, downloading.accountId)).toMatchObject({
        status: 'succeeded',
        cost: 4 * SECOND,
      });
      // The held submission is not sent again (it could be billed twice): it fails and costs nothing,
      // and the operator sees what the upstream may have billed for it.
      expect(await endedJobOf(database, held.accountId)).toMatchObject({
        status: 'failed',
        cost: 0,
        errorCode: 'interrupted_submission',
        loss: IMAGE,
      });
      expect(images.count('POST', GENERATIONS)).toBe(1);
    } finally {
      await database.close();
    }
  });
});
