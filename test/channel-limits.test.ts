import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { channelsConfig } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_ADMIN_KEY, type RunningGateway } from './helpers/gateway.js';
import { spawnServer } from './helpers/server-process.js';

const CREATE = /^\/v1\/videos$/;
const KEY = 'sk-fake-videos';

/** The env of a gateway whose only channel is the OPENAI_VIDEOS_* shortcut pointing at `fake`. */
const videosEnv = (fake: FakeOpenAiVideos, extra: Record<string, string> = {}) => ({
  OPENAI_VIDEOS_API_KEY: KEY,
  OPENAI_VIDEOS_BASE_URL: `${fake.url}/v1`,
  ...QUICK_POLL_ENV,
  ...NO_REVIEW_ENV,
  ...extra,
});

/** Creates `count` videos, spread over `gateways` in turn, and answers their ids with the gateway that made each. */
async function createVideos(gateways: RunningGateway[], count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const gw = gateways[i % gateways.length];
      const video = await gw.client.videos.create({ model: 'sora-2', prompt: `a paper boat, take ${i}`, seconds: '4' });
      return { gw, id: video.id };
    }),
  );
}

/** Waits until every video is `completed` (fails the test on any other end). */
async function allCompleted(videos: { gw: RunningGateway; id: string }[], timeout: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const states = await Promise.all(videos.map(({ gw, id }) => gw.client.videos.retrieve(id)));
      const ended = states.filter((v) => v.status === 'failed');
      if (ended.length > 0) throw new Error(`failed: ${JSON.stringify(ended[0])}`);
      expect(states.map((v) => v.status)).toEqual(states.map(() => 'completed'));
    },
    { timeout, interval: 250 },
  );
}

/** Upstream creates as the fake received them, oldest first. */
const createTimes = (fake: FakeOpenAiVideos, since: number) =>
  fake
    .matching('POST', CREATE)
    .slice(since)
    .map((r) => r.at!)
    .sort((a, b) => a - b);

/**
 * The shortest time in which `rpm + 1` creates reached the upstream: at least the window when the
 * limit holds in every sliding window. The fake stamps arrival, the gateway counts just before it
 * sends, so a little network jitter is allowed for.
 */
function tightestSpan(times: number[], rpm: number): number {
  let tightest = Number.POSITIVE_INFINITY;
  for (let i = 0; i + rpm < times.length; i++) tightest = Math.min(tightest, times[i + rpm] - times[i]);
  return tightest;
}
const JITTER_MS = 250;

interface ChannelView {
  name: string;
  concurrency: number;
  rpm: number | null;
}

async function channelViews(gw: RunningGateway): Promise<Record<string, ChannelView>> {
  const res = await fetch(`${gw.baseUrl}/admin/v1/channels`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: ChannelView[] };
  return Object.fromEntries(body.data.map((c) => [c.name, c]));
}

describe(`channel limits on one instance (${databaseLabel})`, () => {
  const fake = new FakeOpenAiVideos({ keys: [KEY], durationMs: 6_000, videoScale: 0.1 });
  let gw: RunningGateway | undefined;
  beforeAll(() => fake.start());
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(() => fake.close());

  it('OPENAI_VIDEOS_CONCURRENCY=40 lets 40 video requests reach the upstream together, not in batches of 16', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway(videosEnv(fake, { OPENAI_VIDEOS_CONCURRENCY: '40' }));
    expect((await channelViews(gw))['openai-videos']).toMatchObject({ concurrency: 40, rpm: null });
    const before = fake.count('POST', CREATE);
    fake.mostRunning = 0;
    const videos = await createVideos([gw], 40);
    await vi.waitFor(() => expect(fake.count('POST', CREATE) - before).toBe(40), { timeout: 5_000 });
    // Every task was created before the first one could end (6 s): the upstream ran all 40 at once.
    expect(fake.mostRunning).toBe(40);
    await allCompleted(videos, 40_000);
    expect(fake.count('POST', CREATE) - before).toBe(40);
  });

  it("defaults a channel's concurrency by its upstream's kind, and every limit comes from the environment too", async () => {
    const yaml = await channelsConfig([
      // Gemini serving only Veo: polled tasks.
      { name: 'veo-eu', type: 'gemini', keys: ['g-key'], models: ['veo-3.1'] },
      { name: 'flux', type: 'bfl', keys: ['b-key'], models: ['flux-dev'], concurrency: 5, rpm: 100 },
    ]);
    gw = await startGateway({
      ...yaml,
      ...videosEnv(fake),
      OPENAI_API_KEY: 'sk-images',
      OPENAI_RPM: '30',
      GEMINI_API_KEY: 'g-key',
      MEDIAGATE_CHANNEL_VEO_EU_RPM: '12',
      MEDIAGATE_CHANNEL_FLUX_CONCURRENCY: '9',
    });
    const views = await channelViews(gw);
    // Asynchronous video upstreams hold many tasks; a call held open per image gets fewer.
    expect(views['openai-videos']).toMatchObject({ concurrency: 200, rpm: null });
    expect(views.openai).toMatchObject({ concurrency: 16, rpm: 30 });
    // The Gemini shortcut serves images (answered at once) as well as Veo: the calls bound it.
    expect(views.gemini).toMatchObject({ concurrency: 16, rpm: null });
    expect(views['veo-eu']).toMatchObject({ concurrency: 200, rpm: 12 });
    // The variable wins over the YAML file.
    expect(views.flux).toMatchObject({ concurrency: 9, rpm: 100 });
  });

  it('stops the start with an error naming a limit variable whose value is not a positive whole number', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mediagate-limits-'));
    try {
      await expect(
        spawnServer({
          PORT: '0',
          MEDIAGATE_DATA_DIR: dataDir,
          DATABASE_URL: '',
          OPENAI_VIDEOS_API_KEY: KEY,
          OPENAI_VIDEOS_CONCURRENCY: 'forty',
        }),
      ).rejects.toThrow('OPENAI_VIDEOS_CONCURRENCY must be a positive whole number; it is "forty".');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const yaml = await channelsConfig([{ name: 'flux', type: 'bfl', keys: ['b-key'], models: ['flux-dev'] }]);
    await expect(startGateway({ ...yaml, MEDIAGATE_CHANNEL_FLUX_RPM: '0' })).rejects.toThrow(
      'MEDIAGATE_CHANNEL_FLUX_RPM must be a positive whole number; it is "0".',
    );
  });

  it('holds submissions over OPENAI_VIDEOS_RPM until the window has room, and every job completes', {
    timeout: 60_000,
  }, async () => {
    const quick = new FakeOpenAiVideos({ keys: [KEY], durationMs: 200, videoScale: 0.1 });
    await quick.start();
    try {
      gw = await startGateway(videosEnv(quick, { OPENAI_VIDEOS_RPM: '2', MEDIAGATE_UPSTREAM_RATE_WINDOW_MS: '1000' }));
      expect((await channelViews(gw))['openai-videos']).toMatchObject({ rpm: 2 });
      const videos = await createVideos([gw], 6);
      await allCompleted(videos, 40_000);
      const times = createTimes(quick, 0);
      expect(times).toHaveLength(6);
      expect(tightestSpan(times, 2)).toBeGreaterThanOrEqual(1_000 - JITTER_MS);
    } finally {
      await gw?.close();
      gw = undefined;
      await quick.close();
    }
  });
});

describe.skipIf(databaseLabel === 'sqlite')(
  `channel limits across two instances (${databaseLabel}; skipped on SQLite: its database file belongs to one process)`,
  () => {
    const N = 3;
    const fake = new FakeOpenAiVideos({ keys: [KEY], durationMs: 1_500, videoScale: 0.1 });
    let pair: RunningGateway[] = [];
    /** Two instances on one database (one schema), each with its own data dir. */
    async function twoInstances(env: Record<string, string>): Promise<RunningGateway[]> {
      const a = await startGateway(env);
      pair = [a];
      pair.push(
        await startGateway({ ...env, DATABASE_URL: a.env.DATABASE_URL, DATABASE_SCHEMA: a.env.DATABASE_SCHEMA }),
      );
      return pair;
    }
    beforeAll(() => fake.start());
    afterEach(async () => {
      for (const gw of pair.reverse()) await gw.close();
      pair = [];
    });
    afterAll(() => fake.close());

    it(`a concurrency of ${N} holds across both: ${4 * N} requests, never more than ${N} tasks upstream, all complete, one submission each`, {
      timeout: 90_000,
    }, async () => {
      const gateways = await twoInstances(videosEnv(fake, { OPENAI_VIDEOS_CONCURRENCY: String(N) }));
      const before = fake.count('POST', CREATE);
      fake.mostRunning = 0;
      const videos = await createVideos(gateways, 4 * N);
      await allCompleted(videos, 80_000);
      expect(fake.mostRunning).toBe(N);
      expect(fake.count('POST', CREATE) - before).toBe(4 * N);
      expect(new Set(videos.map((v) => v.gw))).toHaveProperty('size', 2);
    });

    it('an rpm holds across both: submissions per key never exceed it in any window', { timeout: 60_000 }, async () => {
      const quick = new FakeOpenAiVideos({ keys: [KEY], durationMs: 200, videoScale: 0.1 });
      await quick.start();
      try {
        const gateways = await twoInstances(
          videosEnv(quick, { OPENAI_VIDEOS_RPM: '2', MEDIAGATE_UPSTREAM_RATE_WINDOW_MS: '1000' }),
        );
        const videos = await createVideos(gateways, 8);
        await allCompleted(videos, 50_000);
        const times = createTimes(quick, 0);
        expect(times).toHaveLength(8);
        expect(tightestSpan(times, 2)).toBeGreaterThanOrEqual(1_000 - JITTER_MS);
      } finally {
        for (const gw of pair.reverse()) await gw.close();
        pair = [];
        await quick.close();
      }
    });
  },
);
