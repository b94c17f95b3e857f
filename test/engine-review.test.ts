import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import { FakeChatRelay } from './fakes/chat-relay.js';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { channelsConfig, FAST_RETRY_ENV } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from './helpers/gateway.js';
import { imageInfo } from './helpers/media.js';

const GENERATIONS = /^\/v1\/images\/generations$/;
const drawCat = { model: 'gpt-image-1', messages: [{ role: 'user' as const, content: 'Draw a cat' }] };

/** A second connection to the gateway's database: what another instance sharing it would do. */
const otherInstanceDb = (gw: RunningGateway) =>
  openDatabase({ url: gw.env.DATABASE_URL, dataDir: gw.dataDir, schema: gw.env.DATABASE_SCHEMA });

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Paths of the job engine where an upstream task could run twice, be paid for and discarded, or never be resumed. */
describe(`job engine review: no duplicate or wasted upstream work (${databaseLabel})`, () => {
  const images = new FakeOpenAiImages(['sk-images']);
  const relay = new FakeChatRelay(['sk-relay'], 100);
  let gw: RunningGateway | undefined;
  let other: Database | undefined;

  beforeAll(async () => {
    await images.start();
    await relay.start();
  });
  afterEach(async () => {
    images.latencyMs = 0;
    await other?.close();
    other = undefined;
    await gw?.close();
    gw = undefined;
  });
  afterAll(async () => {
    await images.close();
    await relay.close();
  });

  const imagesChannel = (extra: Record<string, unknown> = {}) => ({
    name: 'images',
    type: 'openai-images',
    baseUrl: `${images.url}/v1`,
    keys: ['sk-images'],
    models: ['gpt-image-1'],
    ...extra,
  });

  it('does not send a synchronous image request again after it timed out waiting for the answer', async () => {
    gw = await startGateway({ ...FAST_RETRY_ENV, ...(await channelsConfig([imagesChannel({ timeoutMs: 300 })])) });
    const before = images.count('POST', GENERATIONS);
    images.injectFaults('POST', GENERATIONS, [{ delayMs: 700 }]);
    const err = await gw.client.chat.completions.create(drawCat).catch((e) => e);
    expect(err.status).toBe(504);
    expect(err.error.code).toBe('upstream_timeout');
    expect(err.error.message).toBe(
      'OpenAI did not answer within 0 s; it may still be doing the work, so the request was not repeated.',
    );
    expect(images.count('POST', GENERATIONS) - before).toBe(1);
  });

  it('does not resubmit to a chat relay that went silent before answering', async () => {
    const relayChannel = {
      name: 'relay',
      type: 'chat-relay',
      baseUrl: `${relay.url}/v1`,
      keys: ['sk-relay'],
      models: ['gpt-4o-image'],
      options: { stream: false, idleTimeoutMs: 200 },
    };
    gw = await startGateway({ ...FAST_RETRY_ENV, ...(await channelsConfig([relayChannel])) });
    const before = relay.accepted;
    const err = await gw.client.chat.completions
      .create({ model: 'gpt-4o-image', messages: [{ role: 'user', content: 'Draw a cat' }] })
      .catch((e) => e);
    expect(err.status).toBe(504);
    expect(err.error.code).toBe('upstream_timeout');
    expect(err.error.message).toMatch(/not resubmitted/);
    expect(relay.accepted - before).toBe(1);
  });

  it('keeps a synchronous result that arrived after the job timeout instead of discarding it', async () => {
    gw = await startGateway({ MEDIAGATE_JOB_TIMEOUT_MS: '1000', ...(await channelsConfig([imagesChannel()])) });
    images.latencyMs = 1_300;
    const answer = await gw.client.chat.completions.create(drawCat);
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toMatchObject({
      width: 1024,
      height: 1024,
    });
  });

  it('does not submit a job that waited for a channel slot past its deadline', async () => {
    gw = await startGateway({
      MEDIAGATE_JOB_TIMEOUT_MS: '1000',
      ...(await channelsConfig([imagesChannel({ concurrency: 1 })])),
    });
    images.latencyMs = 1_300;
    const before = images.count('POST', GENERATIONS);
    const outcomes = await Promise.all([0, 1].map(() => gw!.client.chat.completions.create(drawCat).catch((e) => e)));
    const failed: any[] = outcomes.filter((o) => o instanceof Error);
    expect(failed).toHaveLength(1);
    expect(failed[0].status).toBe(504);
    expect(failed[0].error).toEqual({
      message: 'The job could not be started upstream within 0 minutes.',
      type: 'upstream_error',
      param: null,
      code: 'job_timeout',
    });
    expect(images.count('POST', GENERATIONS) - before).toBe(1);
  });

  it('never submits a queued job that another instance cancelled', async () => {
    gw = await startGateway({ ...(await channelsConfig([imagesChannel({ concurrency: 1 })])) });
    other = await otherInstanceDb(gw);
    const store = new SqlJobStore(other.db);
    images.latencyMs = 800;
    const before = images.count('POST', GENERATIONS);
    const first = gw.client.chat.completions.create(drawCat);
    await until(async () => (images.inFlight === 1 ? true : undefined), 'the first job to hold the slot');
    const second = gw.client.chat.completions.create(drawCat).catch((e) => e);
    const queued = await until(
      async () =>
        (await other!.db.selectFrom('jobs').select('id').where('status', '=', 'queued').executeTakeFirst())?.id,
      'the second job',
    );
    await store.cancel(queued, Date.now());
    expect((await first).choices[0].message.content).toMatch(/^!\[image\]/);
    const err = await second;
    expect(err.status).toBe(409);
    expect(err.error.code).toBe('cancelled');
    expect(images.count('POST', GENERATIONS) - before).toBe(1);
    expect(await store.get(queued)).toMatchObject({ status: 'cancelled', submittedAt: null, operation: null });
  });

  it('adopts orphaned jobs while this instance already holds 200 or more', async () => {
    gw = await startGateway({
      MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS: '200',
      ...(await channelsConfig([imagesChannel({ concurrency: 1 })])),
    });
    other = await otherInstanceDb(gw);
    const store = new SqlJobStore(other.db);
    images.latencyMs = 5_000;
    // One job holds the channel's only slot, so every job claimed later stays in flight, waiting for it.
    const holder = gw.client.chat.completions.create(drawCat).catch(() => undefined);
    await until(async () => (images.inFlight === 1 ? true : undefined), 'the first job to hold the slot');
    const running = (await other.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', '=', 'running')
      .executeTakeFirstOrThrow()) as { api_key_id: string; request: string };
    const now = Date.now();
    // Jobs a dead instance left behind (never claimed here): more than one scan's page.
    for (let i = 0; i < 250; i++) {
      await store.create({
        id: `job_orphan_${String(i).padStart(3, '0')}`,
        apiKeyId: running.api_key_id,
        model: 'gpt-image-1',
        kind: 'image',
        request: JSON.parse(running.request),
        channel: 'images',
        createdAt: now + i,
      });
    }
    const unclaimed = async () =>
      Number(
        (
          await other!.db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('lease_owner', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      );
    await until(async () => ((await unclaimed()) === 0 ? true : undefined), 'every orphan to be claimed');
    expect(await unclaimed()).toBe(0);
    void holder;
  });
});
