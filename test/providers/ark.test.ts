import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARK_REQUEST_ID, FakeArk, type ArkFailure } from '../fakes/ark.js';
import { fakeImage } from '../fakes/media.js';
import { channelsConfig, FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { allLinks, download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat, type ChatBody } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { imageInfo, mp4Info } from '../helpers/media.js';
import { arkPolicy } from '../../src/providers/ark/errors.js';
import { upstreamImageSize } from '../../src/providers/ark/images-request.js';
import { readSeedanceTask } from '../../src/providers/ark/seedance-task.js';

const IMAGES = /^\/api\/v3\/images\/generations$/;
const TASKS = /^\/api\/v3\/contents\/generations\/tasks$/;
const TASK = /^\/api\/v3\/contents\/generations\/tasks\/cgt-/;
const SEEDANCE = 'doubao-seedance-1-0-pro-250528';

type UserContent = Extract<ChatBody['messages'][number], { role: 'user' }>['content'];

const withReferences = (text: string, ...urls: string[]): UserContent => [
  { type: 'text', text },
  ...urls.map((url) => ({ type: 'image_url' as const, image_url: { url } })),
];

/** Runs a streamed chat request with one user message to the end. */
const streamed = (gw: RunningGateway, model: string, content: UserContent) =>
  streamChat(gw, { model, messages: [{ role: 'user', content }] });

const failed = (gw: RunningGateway, model: string, content: UserContent) =>
  gw.client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err) => err,
  );

describe(`Volcengine Ark adapter (${databaseLabel})`, () => {
  const fake = new FakeArk(['ark-fake-key']);
  let gw: RunningGateway;

  beforeAll(async () => {
    fake.taskMs = 800;
    await fake.start();
    gw = await startGateway({
      ARK_API_KEY: 'ark-fake-key',
      ARK_BASE_URL: `${fake.url}/api/v3`,
      ...QUICK_POLL_ENV,
      ...FAST_RETRY_ENV,
    });
  });
  afterEach(() => {
    fake.failure = undefined;
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('polls again after a status answer that broke off half-way, and submits only once', async () => {
    const submitted = fake.count('POST', TASKS);
    fake.injectFaults('GET', TASK, [{ cutOff: true }, { cutOff: true }]);
    const chat = await streamed(gw, 'sora-2', 'a paper boat drifting on a pond, duration: 5 seconds');
    expect(chat.finish).toBe('stop');
    const video = await download(firstLink(chat.text));
    expect(mp4Info(video).durationSeconds).toBeCloseTo(5, 0);
    expect(fake.count('POST', TASKS) - submitted).toBe(1);
    expect((await jobOf(gw, chat.id)).upstream.status_calls).toBeGreaterThanOrEqual(3);
  });

  it('polls again after a status answer that is not a task (a proxy page answered 200), and submits only once', async () => {
    const submitted = fake.count('POST', TASKS);
    fake.injectFaults('GET', TASK, [
      { status: 200, body: 'upstream busy' },
      { status: 200, body: null },
    ]);
    const chat = await streamed(gw, 'sora-2', 'a paper lantern floating on a lake, duration: 5 seconds');
    expect(chat.finish).toBe('stop');
    expect(mp4Info(await download(firstLink(chat.text))).durationSeconds).toBeCloseTo(5, 0);
    expect(fake.count('POST', TASKS) - submitted).toBe(1);
    expect((await jobOf(gw, chat.id)).upstream.status_calls).toBeGreaterThanOrEqual(3);
  });

  describe('images', () => {
    it('Seedream 4.0 with two references: an image array of data: URLs, the resolved WxH, b64 stored as our own copy', async () => {
      const red = await pngDataUrl(64, 64, '#ff0000');
      const green = await pngDataUrl(48, 32, '#00ff00');
      const { data, response } = await gw.client.chat.completions
        .create({
          model: 'doubao-seedream-4-0-250828',
          messages: [{ role: 'user', content: withReferences('put both on one table --ar 16:9', red, green) }],
        })
        .withResponse();
      expect(response.headers.get('x-mediagate-channel')).toBe('ark');
      const sent = fake.matching('POST', IMAGES).at(-1)!;
      expect(sent.headers.authorization).toBe('Bearer ark-fake-key');
      expect(sent.json).toEqual({
        model: 'doubao-seedream-4-0-250828',
        prompt: 'put both on one table',
        image: [red, green],
        size: '2560x1440',
        response_format: 'b64_json',
        watermark: false,
      });
      const content = data.choices[0].message.content!;
      expect(content).toMatch(/^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/);
      expect(await imageInfo(await download(firstLink(content)))).toEqual({ format: 'png', width: 2560, height: 1440 });
    });

    it('answers in the asked output_format although Seedream makes PNG: converted, the upstream copy not left behind', async () => {
      const upstreamCopy = `${createHash('sha256')
        .update(await fakeImage(2048, 2048, 'png'))
        .digest('hex')}.png`;
      const storedFiles = async () =>
        (await readdir(gw.dataDir, { recursive: true })).map((f) => String(f).split('/').at(-1));
      const sharedBefore = (await storedFiles()).includes(upstreamCopy);
      const { data: answer } = await gw.client.images
        .generate({
          model: 'doubao-seedream-4-0-250828',
          prompt: 'a tea house in the rain',
          output_format: 'webp',
          response_format: 'url',
        })
        .withResponse();
      expect(answer.output_format).toBe('webp');
      expect(answer.data![0].url).toMatch(/\.webp$/);
      expect(await imageInfo(await download(answer.data![0].url!))).toEqual({
        format: 'webp',
        width: 2048,
        height: 2048,
      });
      // The PNG the fake returned was stored, converted, then removed (unless an earlier job shares it).
      if (!sharedBefore) expect(await storedFiles()).not.toContain(upstreamCopy);
    });

    it('Seedream 4.0 makes a set for n > 1 (sequential auto, max_images, the count written into the prompt), streamed', async () => {
      const { text, finish } = await streamed(gw, 'doubao-seedream-4-0-250828', '一只橘猫在窗台上 --n 2 方形');
      expect(finish).toBe('stop');
      expect(fake.matching('POST', IMAGES).at(-1)!.json).toEqual({
        model: 'doubao-seedream-4-0-250828',
        prompt: '一只橘猫在窗台上\n生成一组共2张图片。',
        size: '2048x2048',
        sequential_image_generation: 'auto',
        sequential_image_generation_options: { max_images: 2 },
        response_format: 'b64_json',
        watermark: false,
      });
      const links = allLinks(text);
      expect(links).toHaveLength(2);
      for (const link of links)
        expect(await imageInfo(await download(link))).toEqual({ format: 'png', width: 2048, height: 2048 });
    });

    it('SeedEdit 3.0 without a reference is our own 400, and nothing is sent upstream', async () => {
      const before = fake.requests.length;
      const err = await failed(gw, 'doubao-seededit-3-0-i2i-250628', 'make it snow');
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({
        type: 'invalid_request_error',
        param: 'messages',
        code: 'reference_image_required',
      });
      expect(fake.requests.length).toBe(before);
    });

    it('SeedEdit 3.0 with one reference sends it as a single image with size adaptive and keeps its size', async () => {
      const photo = await pngDataUrl(96, 64, '#3366cc');
      const answer = await gw.client.chat.completions.create({
        model: 'doubao-seededit-3-0-i2i-250628',
        messages: [{ role: 'user', content: withReferences('make it snow', photo) }],
      });
      expect(fake.matching('POST', IMAGES).at(-1)!.json).toEqual({
        model: 'doubao-seededit-3-0-i2i-250628',
        prompt: 'make it snow',
        image: photo,
        size: 'adaptive',
        response_format: 'b64_json',
        watermark: false,
      });
      expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toEqual({
        format: 'png',
        width: 96,
        height: 64,
      });
    });

    it('Seedream 3.0 t2i takes the asked WxH and seed', async () => {
      const answer = await gw.client.chat.completions.create({
        model: 'doubao-seedream-3-0-t2i-250415',
        messages: [{ role: 'user', content: 'a paper lantern festival --size 1280x720 --seed 42' }],
      });
      expect(fake.matching('POST', IMAGES).at(-1)!.json).toEqual({
        model: 'doubao-seedream-3-0-t2i-250415',
        prompt: 'a paper lantern festival',
        size: '1280x720',
        seed: 42,
        response_format: 'b64_json',
        watermark: false,
      });
      expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toEqual({
        format: 'png',
        width: 1280,
        height: 720,
      });
    });
  });

  describe('Seedance video', () => {
    it('sora-2 竖屏 with a first frame: exact content array and fields, progress streamed, a 5 s MP4 served', async () => {
      const frame = await pngDataUrl(72, 128, '#aa3366');
      const { text, finish } = await streamed(
        gw,
        'sora-2',
        withReferences('一个女孩在海边跳舞 竖屏 duration: 5 seconds', frame),
      );
      expect(finish).toBe('stop');
      const submitted = fake.matching('POST', TASKS).at(-1)!;
      expect(submitted.headers.authorization).toBe('Bearer ark-fake-key');
      expect(submitted.json).toEqual({
        model: SEEDANCE,
        content: [
          { type: 'text', text: '一个女孩在海边跳舞' },
          { type: 'image_url', image_url: { url: frame }, role: 'first_frame' },
        ],
        resolution: '720p',
        ratio: '9:16',
        duration: 5,
        watermark: false,
      });
      const polls = fake.matching('GET', TASK);
      expect(polls.length).toBeGreaterThanOrEqual(2);
      expect(polls.every((p) => p.headers.authorization === 'Bearer ark-fake-key')).toBe(true);
      // The signed TOS link is fetched without the key: it must not leave Ark's API.
      expect(fake.requests.filter((r) => r.path.startsWith('/tos/')).at(-1)!.headers.authorization).toBeUndefined();
      expect(text).toContain('> ⏳ 排队中');
      expect(text).toMatch(/> 🏃 进度 \d+%/);
      expect(text).toMatch(
        /✅ 视频生成成功，\[点击这里\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.mp4\) 查看视频$/,
      );
      const video = mp4Info(await download(firstLink(text)));
      expect(video.durationSeconds).toBeCloseTo(5, 1);
      expect([video.width, video.height, video.codec]).toEqual([180, 320, 'avc1']);
    });

    it('snaps a 15 s sora-2 request to Seedance 1.0 pro’s 12 s and says so; the job records the real length', async () => {
      const { data, response } = await gw.client.chat.completions
        .create({ model: 'sora-2', messages: [{ role: 'user', content: 'waves at dusk, duration: 15 seconds' }] })
        .withResponse();
      const content = data.choices[0].message.content!;
      expect(content).toContain(`> ℹ️ ${SEEDANCE} cannot make 15 s videos; using 12 s.`);
      expect(fake.matching('POST', TASKS).at(-1)!.json).toEqual({
        model: SEEDANCE,
        content: [{ type: 'text', text: 'waves at dusk' }],
        resolution: '720p',
        ratio: '16:9',
        duration: 12,
        watermark: false,
      });
      expect(mp4Info(await download(firstLink(content))).durationSeconds).toBeCloseTo(12, 1);
      const job = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
      expect(job).toMatchObject({
        status: 'succeeded',
        seconds: 12,
        results: [{ content_type: 'video/mp4', seconds: 12 }],
      });
    });
  });

  describe('errors', () => {
    const policyCases: {
      failure: ArkFailure;
      model: string;
      refs: number;
      param: string;
      category: string;
      message: string;
    }[] = [
      {
        failure: 'input_text_sensitive',
        model: 'doubao-seedream-4-0-250828',
        refs: 0,
        param: 'prompt',
        category: 'sensitive_content',
        message: 'The request failed because the input text may contain sensitive information.',
      },
      {
        failure: 'input_image_sensitive',
        model: 'doubao-seededit-3-0-i2i-250628',
        refs: 1,
        param: 'input_image',
        category: 'sensitive_content',
        message: 'The request failed because the input image may contain sensitive information.',
      },
      {
        failure: 'input_image_privacy',
        model: 'sora-2',
        refs: 1,
        param: 'input_image',
        category: 'real_person',
        message: 'The request failed because the input image may contain real person.',
      },
    ];

    it.each(policyCases)(
      '$failure on $model → 400 content_policy_violation at $param, submitted once',
      async ({ failure, model, refs, param, category, message }) => {
        fake.failure = failure;
        const before = fake.count('POST', /^\/api\/v3\//);
        const err = await failed(
          gw,
          model,
          withReferences('a portrait in the park', ...(refs ? [await pngDataUrl(32, 32)] : [])),
        );
        expect(err.status).toBe(400);
        expect(err.error).toEqual({
          message: `Volcengine Ark: ${message} Request id: ${ARK_REQUEST_ID}`,
          type: 'invalid_request_error',
          param,
          code: 'content_policy_violation',
        });
        expect(fake.count('POST', /^\/api\/v3\//) - before).toBe(1);
        const job = await jobOf(gw, err.headers.get('x-mediagate-job-id'));
        expect(job.error).toMatchObject({ code: 'content_policy_violation', stage: param, category });
      },
    );

    it('every image failing output review → 400 at output; one of two failing → the other is returned', async () => {
      fake.failure = 'output_image_sensitive';
      const err = await failed(gw, 'doubao-seedream-4-0-250828', 'a quiet harbour');
      expect(err.status).toBe(400);
      expect(err.error).toEqual({
        message: 'Volcengine Ark: The request failed because the output image may contain sensitive information.',
        type: 'invalid_request_error',
        param: 'output',
        code: 'content_policy_violation',
      });

      fake.failure = 'partial_output_sensitive';
      const answer = await gw.client.chat.completions.create({
        model: 'doubao-seedream-4-0-250828',
        messages: [{ role: 'user', content: 'a quiet harbour --n 2' }],
      });
      const content = answer.choices[0].message.content!;
      const links = allLinks(content);
      expect(links).toHaveLength(1);
      expect(content.startsWith('> ℹ️ doubao-seedream-4-0-250828 made 1 of the 2 images asked for.\n\n![image](')).toBe(
        true,
      );
      expect(await imageInfo(await download(links[0]))).toEqual({ format: 'png', width: 2048, height: 2048 });
    });

    it('a Seedance task failing output review ends the stream with content_filter and records the stage', async () => {
      fake.failure = 'output_video_sensitive';
      const { text, finish, response } = await streamChat(gw, {
        model: 'sora-2',
        messages: [{ role: 'user', content: 'a storm over the sea' }],
      });
      expect(finish).toBe('content_filter');
      expect(text).toContain(
        '🚫 Blocked by content review: Volcengine Ark: The request failed because the output video may contain sensitive information.',
      );
      const job = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
      expect(job.error).toMatchObject({
        code: 'content_policy_violation',
        stage: 'output',
        category: 'sensitive_content',
      });
    });

    it('a 429 is retried without duplicating work; a lasting 429 is reported as upstream_rate_limited', async () => {
      const accepted = fake.accepted;
      const posts = fake.count('POST', IMAGES);
      fake.rateLimitNext(1);
      await gw.client.chat.completions.create({
        model: 'doubao-seedream-3-0-t2i-250415',
        messages: [{ role: 'user', content: 'a kite' }],
      });
      expect(fake.count('POST', IMAGES) - posts).toBe(2);
      expect(fake.accepted - accepted).toBe(1);

      fake.failure = 'rate_limited';
      const err = await failed(gw, 'doubao-seedream-3-0-t2i-250415', 'a kite');
      expect(err.status).toBe(502);
      expect(err.error).toEqual({
        message: `Volcengine Ark: The request has exceeded the rate limit of RPM. Request id: ${ARK_REQUEST_ID}`,
        type: 'upstream_error',
        param: null,
        code: 'upstream_rate_limited',
      });
    });

    it('a task create answered without an id is never resubmitted', async () => {
      const posts = fake.count('POST', TASKS);
      fake.injectFaults('POST', TASKS, [{ status: 200, body: {} }]);
      const err = await failed(gw, 'doubao-seedance-1-0-pro', 'a paper boat on a river');
      expect(err.status).toBe(502);
      expect(err.error).toEqual({
        message: 'Volcengine Ark accepted the video request but returned no task id.',
        type: 'upstream_error',
        param: null,
        code: 'upstream_bad_response',
      });
      expect(fake.count('POST', TASKS) - posts).toBe(1);
    });

    const terminalCases: { failure: ArkFailure; code: string; message: string }[] = [
      {
        failure: 'task_failed',
        code: 'upstream_failed',
        message: 'Volcengine Ark: The service encountered an unexpected internal error. (InternalServiceError)',
      },
      {
        failure: 'task_cancelled',
        code: 'upstream_cancelled',
        message: 'Volcengine Ark cancelled the video task before it finished.',
      },
      {
        failure: 'task_expired',
        code: 'upstream_expired',
        message: 'Volcengine Ark let the video task expire before it ran (it waited too long in the queue).',
      },
      {
        failure: 'task_forgotten',
        code: 'upstream_task_not_found',
        message: 'Volcengine Ark no longer knows the video task <id>; it may have been deleted or expired.',
      },
      {
        failure: 'video_url_expired',
        code: 'result_expired',
        message: "The upstream's result link no longer works (HTTP 403); it has probably expired.",
      },
    ];

    it.each(terminalCases)(
      '$failure → 502 $code, promptly and with a clear message',
      async ({ failure, code, message }) => {
        fake.failure = failure;
        const err = await failed(gw, 'doubao-seedance-1-0-pro', 'a paper boat on a river');
        const lastTask = fake.matching('GET', TASK).at(-1)!.path.split('/').at(-1)!;
        expect(err.status).toBe(502);
        expect(err.error).toEqual({
          message: message.replace('<id>', lastTask),
          type: 'upstream_error',
          param: null,
          code,
        });
      },
    );
  });
});

describe(`Volcengine Ark channel options (${databaseLabel})`, () => {
  const fake = new FakeArk(['ark-fake-key']);
  let gw: RunningGateway;

  beforeAll(async () => {
    fake.taskMs = 500;
    await fake.start();
    gw = await startGateway({
      ...QUICK_POLL_ENV,
      ...FAST_RETRY_ENV,
      ...(await channelsConfig([
        {
          name: 'ark-legacy',
          type: 'ark',
          baseUrl: `${fake.url}/api/v3`,
          keys: ['ark-revoked-key', 'ark-fake-key'],
          models: { 'doubao-seedream-3-0-t2i-250415': 'doubao-seedream-3-0-t2i-250415', 'sora-2': SEEDANCE },
          options: {
            watermark: true,
            responseFormat: 'url',
            guidanceScale: 3,
            parameterStyle: 'text-flags',
            firstFrameRatio: 'adaptive',
          },
        },
      ])),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('retires a key Ark refuses, sends guidance_scale and the watermark, and downloads url results without the key', async () => {
    const answer = await gw.client.chat.completions.create({
      model: 'doubao-seedream-3-0-t2i-250415',
      messages: [{ role: 'user', content: 'a red bicycle' }],
    });
    const posts = fake.matching('POST', IMAGES);
    expect(posts.map((p) => [p.headers.authorization, p.json.model])).toEqual([
      ['Bearer ark-revoked-key', 'doubao-seedream-3-0-t2i-250415'],
      ['Bearer ark-fake-key', 'doubao-seedream-3-0-t2i-250415'],
    ]);
    expect(posts[1].json).toEqual({
      model: 'doubao-seedream-3-0-t2i-250415',
      prompt: 'a red bicycle',
      size: '1024x1024',
      guidance_scale: 3,
      response_format: 'url',
      watermark: true,
    });
    const download1 = fake.requests.filter((r) => r.path.startsWith('/tos/')).at(-1)!;
    expect(download1.headers.authorization).toBeUndefined();
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toEqual({
      format: 'png',
      width: 1024,
      height: 1024,
    });
  });

  it('sends Seedance parameters as text flags with an adaptive ratio for a first frame, snapping 2 s up to 3 s', async () => {
    const frame = await pngDataUrl(96, 64, '#118866');
    const { text, finish } = await streamed(
      gw,
      'sora-2',
      withReferences('the tram starts moving, duration: 2 seconds', frame),
    );
    expect(finish).toBe('stop');
    expect(text).toContain(`> ℹ️ ${SEEDANCE} cannot make 2 s videos; using 3 s.`);
    expect(fake.matching('POST', TASKS).at(-1)!.json).toEqual({
      model: SEEDANCE,
      content: [
        { type: 'text', text: 'the tram starts moving --rs 720p --rt adaptive --dur 3 --wm true' },
        { type: 'image_url', image_url: { url: frame }, role: 'first_frame' },
      ],
    });
    const video = mp4Info(await download(firstLink(text)));
    expect(video.durationSeconds).toBeCloseTo(3, 1);
    expect([video.width, video.height]).toEqual([320, 180]);
  });
});

describe('Volcengine Ark fake rejects what Ark rejects', () => {
  const fake = new FakeArk(['ark-fake-key']);
  beforeAll(() => fake.start());
  afterAll(() => fake.close());

  const post = (path: string, body: unknown, key = 'ark-fake-key') =>
    fetch(`${fake.url}/api/v3/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const errorOf = async (response: Response) => ({ status: response.status, ...(await response.json()).error });

  it('answers a wrong key with Ark’s AuthenticationError body', async () => {
    expect(
      await errorOf(await post('images/generations', { model: 'doubao-seedream-4-0-250828', prompt: 'x' }, 'sk-wrong')),
    ).toEqual({
      status: 401,
      code: 'AuthenticationError',
      message: `The API key or AK/SK in the request is missing or invalid. Request id: ${ARK_REQUEST_ID}`,
      param: '',
      type: 'Unauthorized',
    });
  });

  it('checks image fields per model', async () => {
    const png = await pngDataUrl(16, 16);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ model: 'doubao-seedream-4-0-250828' }, 'MissingParameter', 'prompt'],
      [{ model: 'doubao-seedream-4-0-250828', prompt: 'x', size: '1024x512' }, 'InvalidParameter', 'size'],
      [
        { model: 'doubao-seedream-4-0-250828', prompt: 'x', image: ['https://example.com/a.png', 'not a url'] },
        'InvalidParameter',
        'image',
      ],
      [{ model: 'doubao-seedream-4-0-250828', prompt: 'x', guidance_scale: 3 }, 'InvalidParameter', 'guidance_scale'],
      [{ model: 'doubao-seedream-3-0-t2i-250415', prompt: 'x', size: '4096x4096' }, 'InvalidParameter', 'size'],
      [{ model: 'doubao-seedream-3-0-t2i-250415', prompt: 'x', seed: 1.5 }, 'InvalidParameter', 'seed'],
      [{ model: 'doubao-seededit-3-0-i2i-250628', prompt: 'x' }, 'MissingParameter', 'image'],
      [{ model: 'doubao-seededit-3-0-i2i-250628', prompt: 'x', image: [png, png] }, 'InvalidParameter', 'image'],
      [
        { model: 'doubao-seededit-3-0-i2i-250628', prompt: 'x', image: png, size: '1024x1024' },
        'InvalidParameter',
        'size',
      ],
    ];
    for (const [body, code, param] of cases)
      expect(await errorOf(await post('images/generations', body))).toMatchObject({ status: 400, code, param });
  });

  it('checks Seedance fields: integer duration within range, known ratio and resolution, URL images', async () => {
    const task = (extra: Record<string, unknown>, content: unknown[] = [{ type: 'text', text: 'a cat' }]) =>
      post('contents/generations/tasks', { model: SEEDANCE, content, ...extra });
    expect(await errorOf(await task({ duration: '5' }))).toMatchObject({
      status: 400,
      code: 'InvalidParameter',
      param: 'duration',
    });
    expect(await errorOf(await task({ duration: 15 }))).toMatchObject({ status: 400, param: 'duration' });
    expect(await errorOf(await task({ ratio: '2:1' }))).toMatchObject({ status: 400, param: 'ratio' });
    expect(await errorOf(await task({ ratio: 'adaptive' }))).toMatchObject({ status: 400, param: 'ratio' });
    expect(await errorOf(await task({ resolution: '720P' }))).toMatchObject({ status: 400, param: 'resolution' });
    expect(await errorOf(await task({}, [{ type: 'text', text: 'a cat --dur 5.5' }]))).toMatchObject({
      status: 400,
      param: 'duration',
    });
    expect(
      await errorOf(await task({}, [{ type: 'image_url', image_url: { url: 'iVBORw0KGgo=' }, role: 'first_frame' }])),
    ).toMatchObject({ status: 400, param: 'content.image_url.url' });
    const ok = await task({ duration: 5, ratio: '16:9', resolution: '720p' });
    expect(ok.status).toBe(200);
    const { id } = await ok.json();
    expect(id).toMatch(/^cgt-/);
    const unknown = await fetch(`${fake.url}/api/v3/contents/generations/tasks/cgt-nope`, {
      headers: { authorization: 'Bearer ark-fake-key' },
    });
    expect(await errorOf(unknown)).toMatchObject({ status: 404, code: 'ResourceNotFound' });
  });
});

describe('Volcengine Ark transforms', () => {
  it('reads every moderation code family, with its stage and category', () => {
    expect(arkPolicy('SensitiveContentDetected')).toEqual({ stage: 'prompt', category: 'sensitive_content' });
    expect(arkPolicy('InputTextRiskDetection')).toEqual({ stage: 'prompt', category: 'risk_detection' });
    expect(arkPolicy('InputImageSensitiveContentDetected.PrivacyInformation')).toEqual({
      stage: 'input_image',
      category: 'real_person',
    });
    expect(arkPolicy('InputImageRiskDetection')).toEqual({ stage: 'input_image', category: 'risk_detection' });
    expect(arkPolicy('OutputImageRiskDetection')).toEqual({ stage: 'output', category: 'risk_detection' });
    expect(arkPolicy('OutputVideoSensitiveContentDetected')).toEqual({
      stage: 'output',
      category: 'sensitive_content',
    });
    expect(arkPolicy('InvalidParameter.Size')).toBeUndefined();
  });

  it('keeps sizes within each model’s documented bounds, preserving the aspect ratio', () => {
    expect(upstreamImageSize('seedream4', 1024, 576)).toEqual({ width: 1280, height: 720 });
    expect(upstreamImageSize('seedream4', 8192, 4096)).toEqual({ width: 5792, height: 2896 });
    expect(upstreamImageSize('seedream4', 2560, 1440)).toEqual({ width: 2560, height: 1440 });
    expect(upstreamImageSize('seedream3', 2560, 1440)).toEqual({ width: 2048, height: 1152 });
    expect(upstreamImageSize('seedream3', 400, 300)).toEqual({ width: 683, height: 512 });
  });

  it('ends a task on every terminal spelling and judges unknown words by what came with them', () => {
    const op = { taskId: 'cgt-1', submittedAt: 0, typicalMs: 1000, seconds: 5, width: 1280, height: 720 };
    expect(readSeedanceTask({ status: 'queued' }, op, 10)).toEqual({ state: 'running' });
    expect(readSeedanceTask({ status: 'running' }, op, 500)).toEqual({ state: 'running', progress: 50 });
    expect(readSeedanceTask({ status: 'Task not found' }, op)).toMatchObject({
      state: 'failed',
      error: { code: 'upstream_task_not_found' },
    });
    expect(readSeedanceTask({ status: 'canceled' }, op)).toMatchObject({
      state: 'failed',
      error: { code: 'upstream_cancelled' },
    });
    expect(readSeedanceTask({ status: 'succeeded', content: {} }, op)).toMatchObject({
      state: 'failed',
      error: { code: 'upstream_bad_response' },
    });
    expect(
      readSeedanceTask({ status: 'archived', content: { video_url: 'https://tos.example/v.mp4' }, duration: 6 }, op),
    ).toMatchObject({
      state: 'succeeded',
      outputs: [{ source: { type: 'url', url: 'https://tos.example/v.mp4' }, seconds: 6 }],
    });
    expect(
      readSeedanceTask({ status: 'halted', error: { code: 'InputTextRiskDetection', message: 'risky' } }, op),
    ).toEqual({
      state: 'failed',
      error: {
        code: 'content_policy_violation',
        stage: 'prompt',
        category: 'risk_detection',
        message: 'Volcengine Ark: risky',
      },
    });
  });
});
