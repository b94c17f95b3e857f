import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDashScope } from '../fakes/dashscope.js';
import { channelsConfig, FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { streamChat } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { imageInfo, mp4Info } from '../helpers/media.js';

const KEY = 'sk-fake-dashscope';
const TEXT2IMAGE = /^\/api\/v1\/services\/aigc\/text2image\/image-synthesis$/;
const MULTIMODAL = /^\/api\/v1\/services\/aigc\/multimodal-generation\/generation$/;
const VIDEO = /^\/api\/v1\/services\/aigc\/video-generation\/video-synthesis$/;
const TASKS = /^\/api\/v1\/tasks\//;

/** Quick polls and retries; the gateway's own result review is not what these tests are about (and is slow on videos). */
const GATEWAY_ENV = { ...QUICK_POLL_ENV, ...NO_REVIEW_ENV, ...FAST_RETRY_ENV };

/** The fake renders videos at a quarter of their size: exact duration and shape, a fraction of the CPU. */
const VIDEO_SCALE = 0.25;

/** The image bytes inside a `data:` URL the adapter sent upstream. */
const dataUrlBytes = (url: string) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');

describe(`DashScope adapter (${databaseLabel})`, () => {
  const fake = new FakeDashScope([KEY]);
  let gw: RunningGateway;

  beforeAll(async () => {
    await fake.start();
    fake.videoScale = VIDEO_SCALE;
    gw = await startGateway({ DASHSCOPE_API_KEY: KEY, DASHSCOPE_BASE_URL: `${fake.url}/api/v1`, ...GATEWAY_ENV });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('qwen-image: an async task with the 16:9 size as W*H, the cleaned prompt, seed and negative prompt; our own copy served', async () => {
    const before = fake.requests.length;
    const { data, response } = await gw.client.chat.completions
      .create({
        model: 'qwen-image',
        messages: [{ role: 'user', content: 'a lighthouse at dawn --ar 16:9 --seed 7 --no blurry' }],
      })
      .withResponse();
    expect(response.headers.get('x-mediagate-channel')).toBe('dashscope');
    const sent = fake.requests.slice(before).find((r) => TEXT2IMAGE.test(r.path))!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['x-dashscope-async']).toBe('enable');
    expect(sent.json).toEqual({
      model: 'qwen-image',
      input: { prompt: 'a lighthouse at dawn', negative_prompt: 'blurry' },
      parameters: { size: '1664*928', n: 1, prompt_extend: true, watermark: false, seed: 7 },
    });
    const polls = fake.requests.slice(before).filter((r) => TASKS.test(r.path));
    expect(polls.length).toBeGreaterThan(0);
    expect(
      polls.every((r) => r.headers.authorization === `Bearer ${KEY}` && r.headers['x-dashscope-async'] === undefined),
    ).toBe(true);
    const content = data.choices[0].message.content!;
    expect(content).toMatch(/^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/);
    expect(await imageInfo(await download(firstLink(content)))).toEqual({ format: 'png', width: 1664, height: 928 });
  });

  it('qwen-image: 4:3 becomes the documented 1472*1140 and n is one image per task', async () => {
    const before = fake.requests.length;
    const data = await gw.client.chat.completions.create({
      model: 'qwen-image',
      messages: [{ role: 'user', content: 'a red barn, 4:3' }],
    });
    const sent = fake.requests.slice(before).find((r) => TEXT2IMAGE.test(r.path))!;
    expect(sent.json.parameters).toEqual({ size: '1472*1140', n: 1, prompt_extend: true, watermark: false });
    expect(await imageInfo(await download(firstLink(data.choices[0].message.content!)))).toEqual({
      format: 'png',
      width: 1472,
      height: 1140,
    });
  });

  it('qwen-image-edit: one synchronous call without the async header, the stored reference as a data URL', async () => {
    const before = fake.requests.length;
    const acceptedBefore = fake.accepted;
    const { text, finish } = await streamChat(gw, {
      model: 'qwen-image-edit',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'make the sky purple, 1:1' },
            { type: 'image_url', image_url: { url: await pngDataUrl(96, 64, '#ff0000') } },
          ],
        },
      ],
    });
    expect(finish).toBe('stop');
    const calls = fake.requests.slice(before);
    expect(calls.filter((r) => TASKS.test(r.path))).toHaveLength(0);
    const sent = calls.find((r) => MULTIMODAL.test(r.path))!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['x-dashscope-async']).toBeUndefined();
    const [message] = sent.json.input.messages;
    expect(message.role).toBe('user');
    expect(message.content).toHaveLength(2);
    expect(message.content[0].image).toMatch(/^data:image\/png;base64,/);
    expect(await imageInfo(dataUrlBytes(message.content[0].image))).toEqual({ format: 'png', width: 96, height: 64 });
    expect(message.content[1]).toEqual({ text: 'make the sky purple' });
    expect(sent.json.model).toBe('qwen-image-edit');
    expect(sent.json.parameters).toEqual({ n: 1, size: '1328*1328', watermark: false });
    expect(fake.accepted - acceptedBefore).toBe(1);
    expect(await imageInfo(await download(firstLink(text)))).toEqual({ format: 'png', width: 1328, height: 1328 });
  });

  it('qwen-image-edit without a reference: our own 400, nothing sent upstream', async () => {
    const before = fake.requests.length;
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image-edit', messages: [{ role: 'user', content: 'make it blue' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'qwen-image-edit needs a reference image: add an image_url part to the last user message.',
      type: 'invalid_request_error',
      param: 'messages',
      code: 'reference_image_required',
    });
    expect(fake.requests.length).toBe(before);
  });

  it('Wan text-to-video via sora-2: the exact body, streamed progress, a 5 s 1280x720 MP4', async () => {
    const before = fake.requests.length;
    const { text, finish } = await streamChat(gw, {
      model: 'sora-2',
      messages: [
        { role: 'user', content: 'an astronaut golden retriever in a space station, duration: 5 seconds 横屏' },
      ],
    });
    expect(finish).toBe('stop');
    const sent = fake.requests.slice(before).find((r) => VIDEO.test(r.path))!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['x-dashscope-async']).toBe('enable');
    expect(sent.json).toEqual({
      model: 'wan2.5-t2v-preview',
      input: { prompt: 'an astronaut golden retriever in a space station' },
      parameters: { size: '1280*720', duration: 5, prompt_extend: true, watermark: false },
    });
    // An English prompt: one directive word (横屏) does not make the answer Chinese.
    expect(text).toContain('> ⏳ Queued');
    expect(text).toMatch(/> 🏃 Progress \d+%/);
    expect(text).toMatch(
      /✅ Video generated successfully, \[click here\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.mp4\) to view video/,
    );
    const info = mp4Info(await download(firstLink(text)));
    expect(info).toMatchObject({ width: 1280 * VIDEO_SCALE, height: 720 * VIDEO_SCALE, codec: 'avc1' });
    expect(info.durationSeconds).toBeCloseTo(5, 1);
  });

  it('Wan image-to-video: the i2v model, img_url as a data URL, resolution instead of size, 8 s snapped to 10 s and said so', async () => {
    const before = fake.requests.length;
    const { text, finish } = await streamChat(gw, {
      model: 'sora-2',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'video of a girl dancing, 9:16, duration: 8 seconds' },
            { type: 'image_url', image_url: { url: await pngDataUrl(360, 640, '#00aa66') } },
          ],
        },
      ],
    });
    expect(finish).toBe('stop');
    expect(text).toContain('> ℹ️ wan2.5-i2v-preview cannot make 8 s videos; using 10 s.');
    const sent = fake.requests.slice(before).find((r) => VIDEO.test(r.path))!;
    expect(sent.json.model).toBe('wan2.5-i2v-preview');
    expect(sent.json.input.prompt).toBe('video of a girl dancing');
    expect(await imageInfo(dataUrlBytes(sent.json.input.img_url))).toEqual({ format: 'png', width: 360, height: 640 });
    expect(sent.json.parameters).toEqual({ resolution: '720P', duration: 10, prompt_extend: true, watermark: false });
    const info = mp4Info(await download(firstLink(text)));
    expect(info).toMatchObject({ width: 720 * VIDEO_SCALE, height: 1280 * VIDEO_SCALE });
    expect(info.durationSeconds).toBeCloseTo(10, 1);
  });

  it('DataInspectionFailed at submission is a policy block on the prompt, not retried', async () => {
    fake.mode = 'inspect-at-submit';
    const before = fake.count('POST', TEXT2IMAGE);
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'something the reviewer dislikes' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Alibaba DashScope: Input data may contain inappropriate content.',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
    expect(fake.count('POST', TEXT2IMAGE) - before).toBe(1);
  });

  it('a task that FAILS with DataInspectionFailed after running is an output block (400 / content_filter)', async () => {
    fake.mode = 'inspect-failed';
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'a beach' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Alibaba DashScope: Output data may contain inappropriate content.',
      type: 'invalid_request_error',
      param: 'output',
      code: 'content_policy_violation',
    });

    const { text, finish } = await streamChat(gw, {
      model: 'wan2.5',
      messages: [{ role: 'user', content: 'waves at dusk, 5s' }],
    });
    expect(finish).toBe('content_filter');
    expect(text).toContain('Alibaba DashScope: Output data may contain inappropriate content.');
  });

  it('status UNKNOWN (an expired or unknown task) ends the job at once with a clear error', async () => {
    fake.mode = 'expired-task';
    const before = fake.requests.length;
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'a cat' }] })
      .catch((e) => e);
    const polls = fake.requests.slice(before).filter((r) => TASKS.test(r.path));
    expect(polls).toHaveLength(1);
    const taskId = polls[0].path.split('/').pop();
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: `Alibaba DashScope no longer knows task ${taskId} (status UNKNOWN): it has expired (tasks are kept for 24 hours) or was never created.`,
      type: 'upstream_error',
      param: null,
      code: 'upstream_task_expired',
    });
  });

  it("a FAILED task reports DashScope's code and message", async () => {
    fake.mode = 'task-failed';
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'a dog' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        'Alibaba DashScope: An internal error occurred while generating: inference timed out. (InternalError.Algo)',
      type: 'upstream_error',
      param: null,
      code: 'upstream_task_failed',
    });
  });

  it('an expired result link is result_expired', async () => {
    fake.resultsExpired = true;
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'a fox' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: "The upstream's result link no longer works (HTTP 403); it has probably expired.",
      type: 'upstream_error',
      param: null,
      code: 'result_expired',
    });
  });

  it('Throttling (429) is retried without duplicating work; a throttled account fails with the reason', async () => {
    const posts = fake.count('POST', TEXT2IMAGE);
    const accepted = fake.accepted;
    fake.injectFaults('POST', TEXT2IMAGE, [
      {
        status: 429,
        body: {
          request_id: 'r-1',
          code: 'Throttling.RateQuota',
          message: 'Requests rate limit exceeded, please try again later.',
        },
      },
    ]);
    const data = await gw.client.chat.completions.create({
      model: 'qwen-image',
      messages: [{ role: 'user', content: 'a kite' }],
    });
    expect(data.choices[0].message.content).toMatch(/^!\[image\]/);
    expect(fake.count('POST', TEXT2IMAGE) - posts).toBe(2);
    expect(fake.accepted - accepted).toBe(1);

    fake.mode = 'throttle';
    const err = await gw.client.chat.completions
      .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'a kite' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: 'Alibaba DashScope: Requests rate limit exceeded, please try again later.',
      type: 'upstream_error',
      param: null,
      code: 'upstream_rate_limited',
    });
    expect(fake.count('POST', TEXT2IMAGE) - posts).toBe(5);
    expect(fake.accepted - accepted).toBe(1);
  });

  it('the fake refuses what DashScope refuses: a missing async header, an async header on the sync endpoint, "x" sizes, n > 1', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${fake.url}/api/v1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const t2i = (parameters: object) => ({ model: 'qwen-image', input: { prompt: 'a cat' }, parameters });
    const asyncHeader = { 'X-DashScope-Async': 'enable' };
    const accepted = fake.accepted;

    const noHeader = await post('services/aigc/text2image/image-synthesis', t2i({}));
    expect(noHeader).toMatchObject({
      status: 403,
      body: { code: 'AccessDenied', message: 'current user api does not support synchronous calls' },
    });
    const videoNoHeader = await post('services/aigc/video-generation/video-synthesis', {
      model: 'wan2.5-t2v-preview',
      input: { prompt: 'x' },
    });
    expect(videoNoHeader).toMatchObject({ status: 403, body: { code: 'AccessDenied' } });
    const syncWithHeader = await post(
      'services/aigc/multimodal-generation/generation',
      { model: 'qwen-image-edit', input: { messages: [] } },
      asyncHeader,
    );
    expect(syncWithHeader).toMatchObject({
      status: 403,
      body: { code: 'AccessDenied', message: 'current user api does not support asynchronous calls' },
    });
    expect(
      (await post('services/aigc/text2image/image-synthesis', t2i({ size: '1664x928' }), asyncHeader)).body,
    ).toMatchObject({ code: 'InvalidParameter' });
    expect((await post('services/aigc/text2image/image-synthesis', t2i({ n: 2 }), asyncHeader)).body).toMatchObject({
      code: 'InvalidParameter',
      message: 'n must be 1 for qwen-image',
    });
    const wrongKey = await fetch(`${fake.url}/api/v1/tasks/x`, { headers: { authorization: 'Bearer sk-nope' } });
    expect([wrongKey.status, await wrongKey.json()]).toEqual([
      401,
      expect.objectContaining({ code: 'InvalidApiKey', message: 'Invalid API-key provided.' }),
    ]);
    expect(fake.accepted).toBe(accepted);
  });

  describe('with several channels', () => {
    const broke = new FakeDashScope([KEY]);
    let gw2: RunningGateway;

    beforeAll(async () => {
      await broke.start();
      broke.mode = 'arrearage';
      const config = await channelsConfig([
        {
          name: 'ds-broke',
          type: 'dashscope',
          baseUrl: `${broke.url}/api/v1`,
          keys: [KEY],
          priority: 10,
          models: { 'qwen-image': 'qwen-image' },
        },
        {
          name: 'ds-ok',
          type: 'dashscope',
          baseUrl: `${fake.url}/api/v1`,
          keys: ['sk-revoked', KEY],
          priority: 0,
          models: { 'qwen-image': 'qwen-image', 'wan2.5': 'wan2.5-t2v-turbo', sora_video2: 'wan2.7-t2v' },
          options: { watermark: true, promptExtend: false },
        },
      ]);
      gw2 = await startGateway({ ...config, ...GATEWAY_ENV });
    });
    afterAll(async () => {
      await gw2?.close();
      await broke.close();
    });

    it('Arrearage fails over to the next channel; an InvalidApiKey key is retired; channel options reach the body', async () => {
      const before = fake.requests.length;
      const accepted = fake.accepted;
      const { data, response } = await gw2.client.chat.completions
        .create({ model: 'qwen-image', messages: [{ role: 'user', content: 'a windmill' }] })
        .withResponse();
      // The channel chosen on acceptance; the work moved to ds-ok, as the requests below show.
      expect(response.headers.get('x-mediagate-channel')).toBe('ds-broke');
      expect(broke.count('POST', TEXT2IMAGE)).toBe(3);
      expect(broke.accepted).toBe(0);
      const submissions = fake.requests.slice(before).filter((r) => TEXT2IMAGE.test(r.path));
      expect(submissions.map((r) => r.headers.authorization)).toEqual(['Bearer sk-revoked', `Bearer ${KEY}`]);
      expect(submissions[1].json.parameters).toEqual({
        size: '1328*1328',
        n: 1,
        prompt_extend: false,
        watermark: true,
      });
      expect(fake.accepted - accepted).toBe(1);
      expect(await imageInfo(await download(firstLink(data.choices[0].message.content!)))).toMatchObject({
        width: 1328,
        height: 1328,
      });
    });

    it('wan2.7 speaks the media protocol: input.media first_frame for image-to-video, resolution and ratio for text-to-video', async () => {
      const before = fake.requests.length;
      const i2v = await gw2.client.chat.completions.create({
        model: 'sora_video2',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a paper boat drifting, 6s' },
              { type: 'image_url', image_url: { url: await pngDataUrl(320, 240, '#2244aa') } },
            ],
          },
        ],
      });
      const t2v = await gw2.client.chat.completions.create({
        model: 'sora_video2',
        messages: [{ role: 'user', content: 'a paper boat drifting, 9:16, 6s' }],
      });
      const [first, second] = fake.requests.slice(before).filter((r) => VIDEO.test(r.path));
      expect(first.json.model).toBe('wan2.7-i2v');
      expect(first.json.input.prompt).toBe('a paper boat drifting');
      expect(first.json.input.img_url).toBeUndefined();
      expect(first.json.input.media).toHaveLength(1);
      expect(first.json.input.media[0].type).toBe('first_frame');
      expect(await imageInfo(dataUrlBytes(first.json.input.media[0].url))).toEqual({
        format: 'png',
        width: 320,
        height: 240,
      });
      expect(first.json.parameters).toEqual({ resolution: '720P', duration: 6, prompt_extend: false, watermark: true });
      expect(second.json).toEqual({
        model: 'wan2.7-t2v',
        input: { prompt: 'a paper boat drifting' },
        parameters: { resolution: '720P', ratio: '9:16', duration: 6, prompt_extend: false, watermark: true },
      });
      const i2vVideo = mp4Info(await download(firstLink(i2v.choices[0].message.content!)));
      expect(i2vVideo).toMatchObject({ width: 960 * VIDEO_SCALE, height: 720 * VIDEO_SCALE });
      expect(i2vVideo.durationSeconds).toBeCloseTo(6, 1);
      const t2vVideo = mp4Info(await download(firstLink(t2v.choices[0].message.content!)));
      expect(t2vVideo).toMatchObject({ width: 720 * VIDEO_SCALE, height: 1280 * VIDEO_SCALE });
      expect(t2vVideo.durationSeconds).toBeCloseTo(6, 1);
    });

    it('InvalidParameter is a final refusal carrying DashScope’s message', async () => {
      const before = fake.count('POST', VIDEO);
      const err = await gw2.client.chat.completions
        .create({ model: 'wan2.5', messages: [{ role: 'user', content: 'a storm at sea' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toEqual({
        message: 'Alibaba DashScope: Model not exist.',
        type: 'upstream_error',
        param: null,
        code: 'upstream_invalid_request',
      });
      expect(fake.count('POST', VIDEO) - before).toBe(1);
    });
  });
});
