import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { fakeImage } from './fakes/media.js';
import { admin, fundedCustomer } from './helpers/accounts.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { channelsConfig, FAST_RETRY_ENV } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { endedJobOf, jobIdOf, openLedgerDatabase, proveLedger } from './helpers/ledger.js';

const IMAGE = 42_000; // gpt-image-1, medium, 1024x1024
const SECOND = 100_000; // sora-2, per second
const FUNDS = 10_000_000;
const GENERATIONS = /^\/v1\/images\/generations$/;
const CONTENT = /^\/v1\/videos\/[^/]+\/content$/;

interface Started {
  gw: RunningGateway;
  database: Database;
}

async function start(env: Record<string, string>): Promise<Started> {
  const gw = await startGateway(env);
  return { gw, database: await openLedgerDatabase(gw.env) };
}

/** Sends a request as `key` and returns the HTTP status; the outcome is read from the database. */
async function send(gw: RunningGateway, key: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${gw.baseUrl}/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * What each way a job can end costs: nothing for what was not delivered (with the whole reservation
 * released), the delivered part for a partial result, and a `loss` for work the upstream made that
 * never reached the customer. Every job is checked against its ledger rows.
 */
describe(`what a job's outcome costs (${databaseLabel})`, () => {
  const images = new FakeOpenAiImages(['sk-fake-openai']);
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: 400, videoScale: 0.25 });
  /** Sandbox with slow videos (to cancel), and the default prompt review. */
  let sandbox: Started;
  /** Sandbox whose jobs time out after 1.5 s. */
  let timing: Started;
  /** Sandbox whose result review withholds every result. */
  let strict: Started;
  /** Fake OpenAI upstreams for images and videos. */
  let upstream: Started;

  beforeAll(async () => {
    await Promise.all([images.start(), sora.start()]);
    const channels = await channelsConfig([
      {
        name: 'images',
        type: 'openai-images',
        baseUrl: `${images.url}/v1`,
        keys: ['sk-fake-openai'],
        models: ['gpt-image-1'],
      },
      { name: 'sora', type: 'openai-videos', baseUrl: `${sora.url}/v1`, keys: ['sk-fake-videos'], models: ['sora-2'] },
    ]);
    [sandbox, timing, strict, upstream] = await Promise.all([
      start({ MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '20000' }),
      start({ MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '20000', MEDIAGATE_JOB_TIMEOUT_MS: '1500', ...NO_REVIEW_ENV }),
      // A real (fake) upstream: a result the sandbox renders costs nobody anything, so it is no loss.
      start({ ...channels, ...QUICK_POLL_ENV, MEDIAGATE_MODERATION_OUTPUT_THRESHOLDS: 'neutral=0' }),
      start({ ...channels, ...QUICK_POLL_ENV, ...NO_REVIEW_ENV, ...FAST_RETRY_ENV }),
    ]);
  });
  afterAll(async () => {
    for (const s of [sandbox, timing, strict, upstream]) {
      await s?.gw.close();
      await s?.database.close();
    }
    await Promise.all([images.close(), sora.close()]);
  });

  /** The job's ledger: one reservation, one capture, one release; nothing held; the balance is FUNDS less the capture. */
  async function settled(s: Started, accountId: string, reservation: number, capture: number) {
    const job = await endedJobOf(s.database, accountId);
    const proof = await proveLedger(s.database, accountId);
    expect(proof.jobs.get(job.id)).toMatchObject({ reservation, capture, release: reservation - capture });
    expect(proof.account.balance).toBe(FUNDS - capture);
    expect(job.cost).toBe(capture);
    // What the operator's API shows for the job agrees with the ledger.
    const shown = await admin<{ cost: number | null }>(s.gw.baseUrl, 'GET', `/jobs/${job.id}`);
    expect(shown.body.cost).toBe(capture);
    return { job, proof };
  }

  it('a failed upstream task costs nothing and releases the whole reservation', async () => {
    const customer = await fundedCustomer(upstream.gw.baseUrl, FUNDS);
    sora.outcome = 'failed';
    try {
      await send(upstream.gw, customer.key, '/videos', { model: 'sora-2', prompt: 'a paper boat', seconds: '4' });
      const { job, proof } = await settled(upstream, customer.accountId, 4 * SECOND, 0);
      expect(job.status).toBe('failed');
      expect(job.loss).toBeNull();
      expect(proof.entries.map((e) => e.kind)).not.toContain('loss');
    } finally {
      sora.outcome = 'completed';
    }
  });

  it('a prompt blocked by the review (stage 2) costs nothing', async () => {
    const customer = await fundedCustomer(sandbox.gw.baseUrl, FUNDS);
    const status = await send(sandbox.gw, customer.key, '/chat/completions', {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'Pikachu dancing in the rain' }],
    });
    expect(status).toBe(400);
    // A blocked request holds nothing (so an empty balance cannot hide the block): a reservation of 0.
    const { job } = await settled(sandbox, customer.accountId, 0, 0);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'content_policy_violation', loss: null });
  });

  it('a cancelled job costs nothing', async () => {
    const customer = await fundedCustomer(sandbox.gw.baseUrl, FUNDS);
    expect(
      await send(sandbox.gw, customer.key, '/videos', { model: 'sora-2', prompt: 'a slow sunrise', seconds: '4' }),
    ).toBe(200);
    const id = await jobIdOf(sandbox.database, customer.accountId);
    const cancelled = await fetch(`${sandbox.gw.baseUrl}/v1/jobs/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}` },
    });
    expect(cancelled.status).toBe(200);
    const { job } = await settled(sandbox, customer.accountId, 4 * SECOND, 0);
    expect(job).toMatchObject({ status: 'cancelled', loss: null });
  });

  it('a timed-out job costs nothing', async () => {
    const customer = await fundedCustomer(timing.gw.baseUrl, FUNDS);
    await send(timing.gw, customer.key, '/videos', { model: 'sora-2', prompt: 'a slow sunrise', seconds: '4' });
    const { job } = await settled(timing, customer.accountId, 4 * SECOND, 0);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'job_timeout', loss: null });
  });

  it('a result withheld by the review (stage 3) costs nothing and records the loss', async () => {
    const customer = await fundedCustomer(strict.gw.baseUrl, FUNDS);
    const status = await send(strict.gw, customer.key, '/chat/completions', {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a red bicycle leaning on a wall' }],
    });
    expect(status).toBe(400);
    const { job, proof } = await settled(strict, customer.accountId, IMAGE, 0);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'content_policy_violation', loss: IMAGE });
    expect(proof.jobs.get(job.id)?.loss).toBe(IMAGE);
  });

  it('a partial result costs its part: two images asked for, one delivered, one charged', async () => {
    const customer = await fundedCustomer(upstream.gw.baseUrl, FUNDS);
    const one = (await fakeImage(1024, 1024, 'png')).toString('base64');
    images.injectFaults('POST', GENERATIONS, [
      {
        status: 200,
        body: {
          created: Math.floor(Date.now() / 1000),
          data: [{ b64_json: one }],
          output_format: 'png',
          size: '1024x1024',
        },
      },
    ]);
    const response = await customer.client.images.generate({
      model: 'gpt-image-1',
      prompt: 'two kites',
      n: 2,
      size: '1024x1024',
      quality: 'medium',
    });
    expect(response.data).toHaveLength(1);
    const { job } = await settled(upstream, customer.accountId, 2 * IMAGE, IMAGE);
    expect(job).toMatchObject({ status: 'succeeded', billedUnits: 1, loss: null });
  });

  it('a video shorter than quoted is charged its delivered seconds', async () => {
    const customer = await fundedCustomer(upstream.gw.baseUrl, FUNDS);
    // Asked and quoted for 8 seconds; the upstream finishes a 4-second video.
    sora.deliveredSeconds = 4;
    try {
      expect(
        await send(upstream.gw, customer.key, '/videos', { model: 'sora-2', prompt: 'a kite', seconds: '8' }),
      ).toBe(200);
      const { job } = await settled(upstream, customer.accountId, 8 * SECOND, 4 * SECOND);
      expect(job).toMatchObject({ status: 'succeeded', billedUnits: 4, loss: null, results: [{ seconds: 4 }] });
    } finally {
      sora.deliveredSeconds = undefined;
    }
  });

  it('a duration the upstream does not make is snapped before the quote: the customer is held for what will be made', async () => {
    const customer = await fundedCustomer(upstream.gw.baseUrl, FUNDS);
    // Sora makes 4, 8 or 12 seconds: 5 is snapped to 4 and quoted (and charged) at 4.
    expect(await send(upstream.gw, customer.key, '/videos', { model: 'sora-2', prompt: 'a kite', seconds: '5' })).toBe(
      200,
    );
    const { job } = await settled(upstream, customer.accountId, 4 * SECOND, 4 * SECOND);
    expect(job).toMatchObject({ status: 'succeeded', billedUnits: 4, loss: null, results: [{ seconds: 4 }] });
  });

  it('a result that cannot be downloaded after the upstream finished costs nothing and records the loss', async () => {
    const customer = await fundedCustomer(upstream.gw.baseUrl, FUNDS);
    // The last test of the file: faults the download did not use stay queued.
    sora.injectFaults(
      'GET',
      CONTENT,
      Array.from({ length: 20 }, () => ({ status: 400, body: 'bad request' })),
    );
    {
      await send(upstream.gw, customer.key, '/videos', { model: 'sora-2', prompt: 'a lost kite', seconds: '4' });
      const { job, proof } = await settled(upstream, customer.accountId, 4 * SECOND, 0);
      expect(job).toMatchObject({ status: 'failed', errorCode: 'result_download_failed', loss: 4 * SECOND });
      expect(proof.jobs.get(job.id)?.loss).toBe(4 * SECOND);
      expect(proof.entries.filter((e) => e.kind === 'loss')).toEqual([
        expect.objectContaining({ job_id: job.id, amount: 4 * SECOND }),
      ]);
    }
  });
});
