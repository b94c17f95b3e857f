import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adjustmentLines } from '../../src/intent/adjustment-text.js';
import { channelsConfig } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { imageInfo, mp4Info } from '../helpers/media.js';
import { FakeOpenAiVideos } from '../fakes/openai-videos.js';
import type { GenerationRequest } from '../../src/intent/types.js';
import { adaptToVideos } from '../../src/providers/openai-videos/adapt.js';
import { readVideosOptions } from '../../src/providers/openai-videos/options.js';
import { readVideoTask } from '../../src/providers/openai-videos/response.js';

const CREATE = /^\/v1\/videos$/;

describe(`OpenAI Videos adapter (${databaseLabel})`, () => {
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: 1200 });
  const reseller = new FakeOpenAiVideos({
    keys: ['sk-fake-reseller'],
    style: 'reseller',
    durationMs: 1000,
    cdnHost: 'localhost',
  });
  let gw: RunningGateway;

  beforeAll(async () => {
    await Promise.all([sora.start(), reseller.start()]);
    const yaml = await channelsConfig([
      // The same Sora account spoken to with JSON bodies, under other public names so each channel is reachable.
      {
        name: 'sora-json',
        type: 'openai-videos',
        baseUrl: `${sora.url}/v1`,
        keys: ['sk-fake-videos'],
        models: { 'veo-3.1': 'sora-2' },
        options: { requestFormat: 'json' },
      },
      {
        name: 'sora-int',
        type: 'openai-videos',
        baseUrl: `${sora.url}/v1`,
        keys: ['sk-fake-videos'],
        models: { 'veo-3.1-fast': 'sora-2' },
        options: { requestFormat: 'json', secondsType: 'number' },
      },
      {
        name: 'reseller',
        type: 'openai-videos',
        baseUrl: `${reseller.url}/v1`,
        keys: ['sk-fake-reseller'],
        models: { 'doubao-seedance-1-0-pro': 'seedance-1-0-pro' },
        options: {
          requestFormat: 'json',
          durationField: 'duration',
          secondsType: 'number',
          sizeStyle: 'ratio',
          allowedSeconds: [5, 10],
          label: 'Reseller',
        },
      },
    ]);
    gw = await startGateway({
      ...yaml,
      OPENAI_VIDEOS_API_KEY: 'sk-fake-videos',
      OPENAI_VIDEOS_BASE_URL: `${sora.url}/v1`,
      ...QUICK_POLL_ENV,
      // The gateway's own review is not under test here; the upstream's moderation is.
      ...NO_REVIEW_ENV,
    });
  });
  afterEach(() => {
    sora.outcome = 'completed';
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([sora.close(), reseller.close()]);
  });

  it('streams sora-2: multipart create with seconds as a string, progress deltas, and an authenticated /content download', async () => {
    const before = sora.requests.length;
    const accepted = sora.accepted;
    const { deltas, progress, finish, response } = await streamChat(gw, {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a paper boat drifting on a pond, duration: 8 seconds 横屏' }],
    });
    expect(response.headers.get('x-mediagate-channel')).toBe('openai-videos');
    expect(finish).toBe('stop');
    const created = sora.requests.slice(before).find((r) => CREATE.test(r.path))!;
    expect(created.headers.authorization).toBe('Bearer sk-fake-videos');
    expect(created.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Object.fromEntries(created.form!.entries())).toEqual({
      prompt: 'a paper boat drifting on a pond',
      model: 'sora-2',
      seconds: '8',
      size: '1280x720',
    });
    expect(sora.accepted - accepted).toBe(1);

    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    const final = deltas.find((d) => d.startsWith('✅'))!;
    const video = mp4Info(await download(firstLink(final)));
    expect(video.codec).toBe('avc1');
    expect(Math.abs(video.durationSeconds - 8)).toBeLessThanOrEqual(0.1);
    expect(video.width / video.height).toBeCloseTo(16 / 9, 2);

    const content = sora.requests.slice(before).filter((r) => r.path.endsWith('/content'));
    expect(content).toHaveLength(1);
    expect(content[0].headers.authorization).toBe('Bearer sk-fake-videos');
    const row = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
    expect(row).toMatchObject({
      status: 'succeeded',
      seconds: 8,
      size: '1280x720',
      results: [{ content_type: 'video/mp4', seconds: 8 }],
    });
  });

  it('polls again after a status answer that is not a video object (a proxy page answered 200), and creates the task once', async () => {
    const accepted = sora.accepted;
    sora.injectFaults('GET', /^\/v1\/videos\/[^/]+$/, [
      { status: 200, body: 'upstream busy' },
      { status: 200, body: [] },
    ]);
    const { finish, deltas } = await streamChat(gw, {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a paper kite over a beach, duration: 4 seconds' }],
    });
    expect(finish).toBe('stop');
    expect(mp4Info(await download(firstLink(deltas.find((d) => d.startsWith('✅'))!))).durationSeconds).toBeCloseTo(
      4,
      0,
    );
    expect(sora.accepted - accepted).toBe(1);
  });

  it('snaps 5 s to the 4 s Sora makes, says so, and crops the reference to the portrait output size', async () => {
    const before = sora.requests.length;
    const response = await gw.client.chat.completions.create({
      model: 'sora_video2',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a dog runs through the scene, 9:16, 5 seconds' },
            { type: 'image_url', image_url: { url: await pngDataUrl(640, 360, '#22aa44') } },
          ],
        },
      ],
    });
    const content = response.choices[0].message.content!;
    expect(content.split('\n').filter((l) => l.startsWith('> ℹ️'))).toEqual([
      '> ℹ️ sora-2 cannot make 5 s videos; using 4 s.',
      '> ℹ️ sora-2 needs the reference image at 720x1280; it was cropped to that shape.',
    ]);
    const created = sora.requests.slice(before).find((r) => CREATE.test(r.path))!;
    const { input_reference: reference, ...fields } = Object.fromEntries(created.form!.entries());
    expect(fields).toEqual({ prompt: 'a dog runs through the scene', model: 'sora-2', seconds: '4', size: '720x1280' });
    expect(reference).toBeInstanceOf(File);
    expect(await imageInfo(Buffer.from(await (reference as File).arrayBuffer()))).toEqual({
      format: 'png',
      width: 720,
      height: 1280,
    });
    const video = mp4Info(await download(firstLink(content)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
    expect(video.width / video.height).toBeCloseTo(9 / 16, 2);
  });

  it('sends a JSON create with seconds as a string when the channel asks for JSON', async () => {
    const before = sora.requests.length;
    const response = await gw.client.chat.completions.create({
      model: 'veo-3.1',
      messages: [{ role: 'user', content: 'a lighthouse at night 8s' }],
    });
    const created = sora.requests.slice(before).find((r) => CREATE.test(r.path))!;
    expect(created.json).toEqual({ prompt: 'a lighthouse at night', model: 'sora-2', seconds: '8', size: '1280x720' });
    expect(typeof created.json.seconds).toBe('string');
    const video = mp4Info(await download(firstLink(response.choices[0].message.content!)));
    expect(Math.abs(video.durationSeconds - 8)).toBeLessThanOrEqual(0.1);
  });

  it('an integer seconds is refused by the upstream as OpenAI refuses it, and the job fails with that message', async () => {
    const accepted = sora.accepted;
    const err = await gw.client.chat.completions
      .create({ model: 'veo-3.1-fast', messages: [{ role: 'user', content: 'a lighthouse at night 8s' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        "OpenAI Videos: Invalid type for 'seconds': expected one of '4', '8', or '12', but got an integer instead.",
      type: 'upstream_error',
      param: null,
      code: 'upstream_invalid_request',
    });
    expect(sora.accepted).toBe(accepted);
  });

  it('speaks a reseller variant: duration as a number, size as a ratio, status succeeded, result at metadata.url on another host', async () => {
    const before = reseller.requests.length;
    const { deltas, finish } = await streamChat(gw, {
      model: 'doubao-seedance-1-0-pro',
      messages: [{ role: 'user', content: 'waves at dusk, duration: 10 seconds 竖屏' }],
    });
    expect(finish).toBe('stop');
    const created = reseller.requests.slice(before).find((r) => CREATE.test(r.path))!;
    expect(created.json).toEqual({ prompt: 'waves at dusk', model: 'seedance-1-0-pro', duration: 10, size: '9:16' });
    const cdn = reseller.requests.slice(before).filter((r) => r.path.startsWith('/cdn/'));
    expect(cdn).toHaveLength(1);
    // The link is on another origin than the API: the channel's key is not sent there.
    expect(cdn[0].headers.authorization).toBeUndefined();
    expect(reseller.requests.slice(before).filter((r) => r.path.endsWith('/content'))).toHaveLength(0);
    const video = mp4Info(await download(firstLink(deltas.find((d) => d.startsWith('✅'))!)));
    expect(Math.abs(video.durationSeconds - 10)).toBeLessThanOrEqual(0.1);
    expect(video.height).toBeGreaterThan(video.width);
  });

  it('a moderation refusal at creation is a policy block on the prompt, not retried', async () => {
    const before = sora.count('POST', CREATE);
    const err = await gw.client.chat.completions
      .create({ model: 'sora-2', messages: [{ role: 'user', content: 'something forbidden 4s' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'OpenAI Videos: Your request was blocked by our moderation system.',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
    expect(sora.count('POST', CREATE) - before).toBe(1);
  });

  it('a task failing at 95 % with moderation_blocked ends the stream with content_filter, as an output block', async () => {
    sora.outcome = 'moderation';
    const { deltas, finish, response } = await streamChat(gw, {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a calm forest 4s' }],
    });
    expect(finish).toBe('content_filter');
    expect(deltas.filter(Boolean).at(-1)).toBe(
      '🚫 Blocked by content review: OpenAI Videos: Your request was blocked by our moderation system.',
    );
    const row = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
    expect(row.status).toBe('failed');
    expect(row.error).toMatchObject({ code: 'content_policy_violation', stage: 'output' });
  });

  it.each([
    ['expired', 'result_expired', /has expired upstream/],
    ['content-gone', 'result_expired', /no longer works \(HTTP 404\)/],
    ['not-found', 'upstream_task_not_found', /no longer knows the video task video_/],
    [
      'failed',
      'upstream_task_failed',
      /^OpenAI Videos: Video generation failed because of an internal error\. \(video_generation_failed\)$/,
    ],
    ['cancelled', 'upstream_task_cancelled', /cancelled the video task/],
  ] as const)('a task that ends %s fails promptly with %s', async (outcome, code, message) => {
    sora.outcome = outcome;
    const before = sora.requests.length;
    const err = await gw.client.chat.completions
      .create({ model: 'sora-2', messages: [{ role: 'user', content: 'a red kite 4s' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error.code).toBe(code);
    expect(err.error.message).toMatch(message);
    // A terminal answer ends polling at once: one retrieve at most after the task ended.
    const retrieves = sora.requests
      .slice(before)
      .filter((r) => /^\/v1\/videos\/[^/]+$/.test(r.path) && r.method === 'GET');
    if (outcome === 'not-found') expect(retrieves).toHaveLength(1);
    expect(sora.requests.slice(before).filter((r) => CREATE.test(r.path))).toHaveLength(1);
  });
});

describe('openai-videos answers and snapping', () => {
  it("reads resellers' variants of the video object", () => {
    expect(readVideoTask({ id: 'v1', status: 'processing', progress: '47%' })).toMatchObject({
      id: 'v1',
      status: 'running',
      progress: 47,
    });
    expect(
      readVideoTask({
        code: 0,
        data: { task_id: 't2', status: 'SUCCEEDED', video_url: 'https://cdn.example/a.mp4', duration: 10 },
      }),
    ).toMatchObject({ id: 't2', status: 'succeeded', url: 'https://cdn.example/a.mp4', seconds: 10 });
    expect(readVideoTask({ id: 'v3', status: 'succeeded', output: ['https://cdn.example/b.mp4'] }).url).toBe(
      'https://cdn.example/b.mp4',
    );
    expect(
      readVideoTask({
        id: 'v4',
        status: 'completed',
        content_url: 'https://cdn.example/c.mp4',
        progress: 100,
        size: '720x1280',
      }),
    ).toMatchObject({ url: 'https://cdn.example/c.mp4', progress: 100, width: 720, height: 1280 });
    expect(readVideoTask({ id: 'v5', status: 'unknown', progress: 0.5 })).toMatchObject({
      status: 'unknown',
      progress: 50,
    });
    expect(readVideoTask({ status: 'Task not found' }).status).toBe('not_found');
    expect(
      readVideoTask({ id: 'v6', status: 'failed', error: { code: 'moderation_blocked', message: 'blocked' } }).error,
    ).toEqual({ code: 'moderation_blocked', message: 'blocked' });
  });

  it('snaps seconds and size to the configured upstream and tells the user once per change', () => {
    const base: GenerationRequest = {
      model: 'sora-2',
      kind: 'video',
      prompt: 'p',
      references: [],
      aspectRatio: '1:1',
      width: 720,
      height: 720,
      seconds: 10,
      n: 1,
      format: 'mp4',
      language: 'en',
      adjustments: [],
    };
    const sora = adaptToVideos({ ...base, adjustments: [] }, 'sora-2', readVideosOptions({}));
    expect(sora).toMatchObject({ seconds: 8, width: 1280, height: 720, aspectRatio: '16:9' });
    expect(adjustmentLines(sora)).toEqual([
      'sora-2 cannot make 10 s videos; using 8 s.',
      'Aspect ratio 1:1 is not supported by sora-2; using 16:9.',
    ]);
    const ranged = adaptToVideos(
      { ...base, aspectRatio: '16:9', width: 1920, height: 1080, seconds: 14, adjustments: [] },
      'wan',
      readVideosOptions({ allowedSeconds: { min: 3, max: 12 }, sizes: ['1280x720', '720x1280', '960x960'] }),
    );
    expect(ranged).toMatchObject({ seconds: 12, width: 1280, height: 720, aspectRatio: '16:9' });
    expect(adjustmentLines(ranged)).toEqual([
      'wan cannot make 14 s videos; using 12 s.',
      'Size 1920x1080 is not offered by wan; using 1280x720.',
    ]);
    expect(() => readVideosOptions({ sizeStyle: 'tier' })).toThrow(/sizeStyle/);
  });
});
