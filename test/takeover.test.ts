import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceLockKeys } from '../src/db/instance-lock.js';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { channelsConfig } from './helpers/channels.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { TEST_API_KEY } from './helpers/gateway.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';

const CREATE = /^\/v1\/videos$/;
const RETRIEVE = /^\/v1\/videos\/([^/]+)$/;
/** Upstream time of every task: long enough that each job is still running when its instance goes. */
const TASK_MS = 7_000;
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

interface JobView {
  id: string;
  status: string;
  instance: string | null;
  results: unknown[];
  upstream: { submit_attempts: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const getJob = async (server: ServerProcess, id: string): Promise<JobView> =>
  (await fetch(`${server.baseUrl}/v1/jobs/${id}`, { headers: auth })).json() as Promise<JobView>;
const getJobs = (server: ServerProcess, ids: string[]) => Promise.all(ids.map((id) => getJob(server, id)));

/**
 * Several instances on one PostgreSQL database: each holds a session advisory lock, so when one is
 * killed the server drops its lock and another takes its jobs over in about a second — not after
 * their leases expire — without submitting any again; a slow instance (stopped, its session alive)
 * keeps its jobs; a stopping instance hands its jobs over at once. Real processes, a fake
 * `/v1/videos` upstream whose tasks take 7 s. (SQLite's database belongs to one process: skipped.)
 */
describe.skipIf(databaseLabel === 'sqlite')(`takeover between instances (${databaseLabel})`, () => {
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: TASK_MS, videoScale: 0.1 });
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  let channels: Record<string, string>;

  beforeAll(async () => {
    await sora.start();
    channels = await channelsConfig([
      {
        name: 'sora',
        type: 'openai-videos',
        baseUrl: `${sora.url}/v1`,
        keys: ['sk-fake-videos'],
        models: ['sora-2'],
        concurrency: 64,
      },
    ]);
  });
  afterAll(async () => {
    for (const server of servers) await killHard(server);
    await sora.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  /** Two instances, `a` and `b`, on one fresh schema, each with its own data dir and a known id. */
  async function twoInstances(extra: Record<string, string> = {}) {
    const tag = randomBytes(3).toString('hex');
    const ids = { a: `a-${tag}`, b: `b-${tag}` };
    const dirA = await mkdtemp(join(tmpdir(), 'mediagate-takeover-a-'));
    const dirB = await mkdtemp(join(tmpdir(), 'mediagate-takeover-b-'));
    dirs.push(dirA, dirB);
    const db = await testDatabaseOptions(dirA);
    const env = (dataDir: string, instance: string) => ({
      PORT: '0',
      HOST: '127.0.0.1',
      MEDIAGATE_DATA_DIR: dataDir,
      MEDIAGATE_API_KEYS: TEST_API_KEY,
      MEDIAGATE_INSTANCE_ID: instance,
      DATABASE_URL: db.url!,
      DATABASE_SCHEMA: db.schema!,
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...channels,
      ...extra,
    });
    const a = await spawnServer(env(dirA, ids.a));
    servers.push(a);
    const b = await spawnServer(env(dirB, ids.b));
    servers.push(b);
    return { a, b, ids, db: { url: db.url!, schema: db.schema! } };
  }

  /** `count` video jobs on `server`, half through POST /v1/videos and half as streaming chats; their ids. */
  async function videoJobs(server: ServerProcess, count: number, streams: AbortController): Promise<string[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        if (i % 2 === 0) {
          const res = await fetch(`${server.baseUrl}/v1/videos`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'sora-2', prompt: `kite number ${i}`, seconds: '4' }),
          });
          expect(res.status).toBe(200);
          return ((await res.json()) as { id: string }).id;
        }
        const res = await fetch(`${server.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'sora-2',
            stream: true,
            messages: [{ role: 'user', content: `kite number ${i}, duration: 4 seconds` }],
          }),
          signal: streams.signal,
        });
        expect(res.status).toBe(200);
        // The stream stays open, unread, until the test aborts it: the instance still has a client.
        return res.headers.get('x-mediagate-job-id')!;
      }),
    );
  }

  /** Every job's task created upstream and polled once: its operation is stored, the job is mid-flight. */
  async function allInFlight(createsBefore: number, count: number): Promise<void> {
    await until('every task to be created upstream', () => sora.count('POST', CREATE) === createsBefore + count);
    // Status is read one task at a time or, batched, through the task list (GET /v1/videos).
    const createdBy = Math.max(...sora.matching('POST', CREATE).map((r) => r.at ?? 0));
    const polled = () =>
      sora.matching('GET', CREATE).some((r) => (r.at ?? 0) > createdBy) ||
      new Set(sora.matching('GET', RETRIEVE).map((r) => r.path.match(RETRIEVE)?.[1])).size >= sora.tasks.size;
    await until('every task to be polled', polled);
  }

  async function allSucceeded(server: ServerProcess, ids: string[], timeoutMs: number): Promise<JobView[]> {
    let jobs: JobView[] = [];
    await until(
      'every job to end',
      async () => {
        jobs = await getJobs(server, ids);
        return jobs.every((j) => j.status !== 'queued' && j.status !== 'running');
      },
      timeoutMs,
    );
    return jobs;
  }

  it('resumes a killed instance’s 12 jobs on the other within seconds (leases of 30 s), one submission each', {
    timeout: 60_000,
  }, async () => {
    const { a, b, ids } = await twoInstances();
    const streams = new AbortController();
    const createsBefore = sora.count('POST', CREATE);
    const jobIds = await videoJobs(a, 12, streams);
    await allInFlight(createsBefore, 12);
    for (const job of await getJobs(b, jobIds)) expect(job).toMatchObject({ status: 'running', instance: ids.a });

    const killedAt = Date.now();
    await killHard(a);
    streams.abort();
    await until('every job to be taken over by b', async () =>
      (await getJobs(b, jobIds)).every((j) => j.instance === ids.b),
    );
    const takeoverMs = Date.now() - killedAt;
    // The lease is 30 s and the orphan scan runs every 10 s: only the lock tells b this fast.
    expect(takeoverMs).toBeLessThan(5_000);

    const jobs = await allSucceeded(b, jobIds, 10_000 + TASK_MS);
    const doneMs = Date.now() - killedAt;
    for (const job of jobs)
      expect(job).toMatchObject({ status: 'succeeded', instance: ids.b, upstream: { submit_attempts: 1 } });
    for (const job of jobs) expect(job.results).toHaveLength(1);
    expect(sora.count('POST', CREATE) - createsBefore).toBe(12);
    expect(b.output()).toContain('taking over the jobs of an instance that died');
    console.info(`takeover after SIGKILL: every job on b after ${takeoverMs} ms, all finished after ${doneMs} ms`);
    await killHard(b);
  });

  it('leaves a slow instance’s jobs alone (SIGSTOP past its 2 s leases); it finishes them itself', {
    timeout: 60_000,
  }, async () => {
    const { a, b, ids } = await twoInstances({ MEDIAGATE_LEASE_MS: '2000', MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS: '300' });
    const streams = new AbortController();
    const createsBefore = sora.count('POST', CREATE);
    const jobIds = await videoJobs(a, 10, streams);
    await allInFlight(createsBefore, 10);

    a.child.kill('SIGSTOP');
    try {
      // Leases expire after 2 s; b's orphan scan (every 300 ms) and takeover scan (every 1 s) both run meanwhile.
      const stoppedUntil = Date.now() + 5_000;
      while (Date.now() < stoppedUntil) {
        for (const job of await getJobs(b, jobIds)) expect(job.instance).toBe(ids.a);
        await sleep(250);
      }
    } finally {
      a.child.kill('SIGCONT');
    }
    streams.abort();
    const jobs = await allSucceeded(a, jobIds, 20_000);
    for (const job of jobs)
      expect(job).toMatchObject({ status: 'succeeded', instance: ids.a, upstream: { submit_attempts: 1 } });
    expect(sora.count('POST', CREATE) - createsBefore).toBe(10);
    expect(b.output()).not.toContain('resuming job');
    await Promise.all([killHard(a), killHard(b)]);
  });

  it('lets an instance whose lock connection was cut take its lock again; every job still finishes once', {
    timeout: 60_000,
  }, async () => {
    const { a, b, ids, db } = await twoInstances();
    const streams = new AbortController();
    const createsBefore = sora.count('POST', CREATE);
    const jobIds = await videoJobs(a, 10, streams);
    await allInFlight(createsBefore, 10);

    // The server ends a's lock session, as a network cut or a restarted pooler would.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const lockHolder = async () => {
      const { rows } = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
           AND classid::bigint = $1 AND objid::bigint = $2`,
        instanceLockKeys(db.schema, ids.a),
      );
      return rows[0]?.pid;
    };
    try {
      const before = await lockHolder();
      expect(before).toBeDefined();
      await client.query('SELECT pg_terminate_backend($1)', [before]);
      await until('a to take its lock again', async () => {
        const now = await lockHolder();
        return now !== undefined && now !== before;
      });
      expect(a.output()).toContain('instance lock taken again');
      // Listed again right after its lock is back (b may have unlisted it as dead meanwhile).
      await until('a to be listed again', async () => {
        const listed = await client.query(`SELECT id FROM "${db.schema}".instances ORDER BY id`);
        return listed.rows.map((r) => r.id).join() === [ids.a, ids.b].join();
      });
    } finally {
      await client.end();
    }

    // Each job finishes on whichever instance holds it now (b may have taken some while a had no lock).
    const jobs = await allSucceeded(b, jobIds, 10_000 + TASK_MS);
    for (const job of jobs) expect(job).toMatchObject({ status: 'succeeded', upstream: { submit_attempts: 1 } });
    for (const job of jobs) expect([ids.a, ids.b]).toContain(job.instance);
    expect(sora.count('POST', CREATE) - createsBefore).toBe(10);
    streams.abort();
    await Promise.all([killHard(a), killHard(b)]);
  });

  it('hands a stopping instance’s jobs to the other at once on SIGTERM, one submission each', {
    timeout: 60_000,
  }, async () => {
    const { a, b, ids } = await twoInstances();
    const streams = new AbortController();
    const createsBefore = sora.count('POST', CREATE);
    const jobIds = await videoJobs(a, 12, streams);
    await allInFlight(createsBefore, 12);

    const exited = new Promise<number | null>((resolve) => a.child.once('exit', (code) => resolve(code)));
    const stoppedAt = Date.now();
    a.child.kill('SIGTERM');
    await until('every job to be handed over to b', async () =>
      (await getJobs(b, jobIds)).every((j) => j.instance === ids.b),
    );
    const handoverMs = Date.now() - stoppedAt;
    expect(handoverMs).toBeLessThan(3_000);
    expect(await exited).toBe(0);
    streams.abort();

    const jobs = await allSucceeded(b, jobIds, 10_000 + TASK_MS);
    for (const job of jobs)
      expect(job).toMatchObject({ status: 'succeeded', instance: ids.b, upstream: { submit_attempts: 1 } });
    expect(sora.count('POST', CREATE) - createsBefore).toBe(12);
    expect(b.output()).toContain('another instance handed its jobs over');
    console.info(`handover on SIGTERM: every job on b after ${handoverMs} ms`);

    // Every line each instance logged names it.
    for (const [server, id] of [
      [a, ids.a],
      [b, ids.b],
    ] as const) {
      const lines = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ instance: id });
    }
    await killHard(b);
  });
});
