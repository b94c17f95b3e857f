import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { jobOf } from './helpers/chat.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from './helpers/gateway.js';
import { mp4Info } from './helpers/media.js';

const CREATE = /^\/v1\/videos$/;
const CONTENT = /^\/v1\/videos\/[^/]+\/content$/;
const OUTAGE_MS = 30_000;

/** A task that finished upstream has been paid for: its result is fetched through an outage of minutes. */
describe(`finished results are not abandoned for transient download failures (${databaseLabel})`, () => {
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: 500, videoScale: 0.25 });
  let gw: RunningGateway;

  beforeAll(async () => {
    await sora.start();
    gw = await startGateway({
      OPENAI_VIDEOS_API_KEY: 'sk-fake-videos',
      OPENAI_VIDEOS_BASE_URL: `${sora.url}/v1`,
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sora.close();
  });

  it('delivers a video whose downloads fail for 30 s (5xx, 429, resets, truncated bodies), submitted once', {
    timeout: 90_000,
  }, async () => {
    const before = {
      accepted: sora.accepted,
      posts: sora.count('POST', CREATE),
      downloads: sora.count('GET', CONTENT),
    };
    const start = Date.now();
    sora.injectFaultWindow('GET', CONTENT, OUTAGE_MS, [
      {
        status: 500,
        body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } },
      },
      {
        status: 429,
        body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      },
      { reset: true },
      { cutOff: true },
      { status: 503, body: 'Service Unavailable' },
    ]);
    const { data, response } = await gw.client.chat.completions
      .create(
        { model: 'sora-2', messages: [{ role: 'user', content: 'a paper boat drifting on a pond 4s' }] },
        { timeout: 85_000 },
      )
      .withResponse();

    expect(Date.now() - start).toBeGreaterThanOrEqual(OUTAGE_MS);
    const video = mp4Info(await download(firstLink(data.choices[0].message.content!)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
    expect(sora.accepted - before.accepted).toBe(1);
    expect(sora.count('POST', CREATE) - before.posts).toBe(1);
    // Every try inside the outage failed; the first one after it succeeded and was the last.
    const downloads = sora.matching('GET', CONTENT).slice(before.downloads);
    const failed = downloads.filter((r) => r.at! < start + OUTAGE_MS);
    expect(failed.length).toBeGreaterThanOrEqual(5);
    expect(downloads.length - failed.length).toBe(1);
    const row = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
    expect(row).toMatchObject({ status: 'succeeded', results: [{ content_type: 'video/mp4', seconds: 4 }] });
  });
});
