import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlingCredentials, signKlingJwt } from '../../src/providers/kling/jwt.js';
import { FakeKling } from '../fakes/kling.js';
import { channelsConfig, FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { mp4Info } from '../helpers/media.js';

const CREATE = /^\/v1\/videos\/(text2video|image2video)$/;

const jwtParts = (authorization: string | undefined) => {
  const [header, payload] = (authorization ?? '').replace(/^Bearer /, '').split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
};

const lastTask = (fake: FakeKling) => [...fake.tasks.values()].at(-1)!;

describe(`Kling adapter (${databaseLabel})`, () => {
  const fake = new FakeKling({ 'ak-fake': 'sk-fake' });
  let gw: RunningGateway;

  beforeAll(async () => {
    fake.taskMs = 600;
    await fake.start();
    gw = await startGateway({
      KLING_ACCESS_KEY: 'ak-fake',
      KLING_SECRET_KEY: 'sk-fake',
      KLING_BASE_URL: fake.url,
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...FAST_RETRY_ENV,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('makes a text-to-video task with a signed JWT, the duration as a string, and polls its own path', async () => {
    const { text, finish } = await streamChat(gw, {
      model: 'kling-v2-1',
      messages: [{ role: 'user', content: 'a paper boat on a river --ar 16:9' }],
    });
    expect(finish).toBe('stop');
    const created = fake.matching('POST', CREATE).at(-1)!;
    expect(created.path).toBe('/v1/videos/text2video');
    // kling-v2-1 is image-to-video only: text goes to the channel's text model.
    expect(created.json).toEqual({
      model_name: 'kling-v2-1-master',
      prompt: 'a paper boat on a river',
      mode: 'std',
      aspect_ratio: '16:9',
      duration: '5',
      external_task_id: expect.stringMatching(/^mediagate-job_[0-9a-z]+$/),
    });
    const { header, payload } = jwtParts(created.headers.authorization);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.iss).toBe('ak-fake');
    expect(payload.exp - payload.nbf).toBe(1805);
    const task = lastTask(fake);
    const polls = fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/videos/'));
    expect(polls.filter((p) => p.path === `/v1/videos/text2video/${task.id}`).length).toBeGreaterThanOrEqual(2);
    expect(text).toContain('✅ Video generated successfully, [click here](');
    const video = mp4Info(await download(firstLink(text)));
    expect(video.durationSeconds).toBeCloseTo(5, 1);
    expect(video.codec).toBe('avc1');
  });

  it('sends a reference as raw base64 to image2video, without a ratio, for 10 s', async () => {
    const reference = await pngDataUrl(320, 320, '#aa2266');
    const answer = await gw.client.chat.completions.create({
      model: 'kling-v2-1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'the flower opens, duration: 10 seconds' },
            { type: 'image_url', image_url: { url: reference } },
          ],
        },
      ],
    });
    const created = fake.matching('POST', CREATE).at(-1)!;
    expect(created.path).toBe('/v1/videos/image2video');
    expect(created.json).toEqual({
      model_name: 'kling-v2-1',
      prompt: 'the flower opens',
      image: reference.slice('data:image/png;base64,'.length),
      mode: 'std',
      duration: '10',
      external_task_id: expect.stringMatching(/^mediagate-job_[0-9a-z]+$/),
    });
    expect(fake.count('GET', new RegExp(`^/v1/videos/image2video/${lastTask(fake).id}$`))).toBeGreaterThanOrEqual(1);
    expect(mp4Info(await download(firstLink(answer.choices[0].message.content!))).durationSeconds).toBeCloseTo(10, 1);
  });

  it('snaps sora-2’s 7 s to Kling’s 5 s and says so', async () => {
    const { text } = await streamChat(gw, {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'waves at dusk 竖屏 duration: 7 seconds' }],
    });
    expect(text).toContain('kling-v2-1 cannot make 7 s videos; using 5 s.');
    expect(fake.matching('POST', CREATE).at(-1)!.json).toMatchObject({ aspect_ratio: '9:16', duration: '5' });
    expect(mp4Info(await download(firstLink(text))).durationSeconds).toBeCloseTo(5, 1);
  });

  it('reports code 1301 as a policy block on the prompt, or on the image when one was sent', async () => {
    const textOnly = await gw.client.chat.completions
      .create({ model: 'kling-v2-1', messages: [{ role: 'user', content: 'something forbidden' }] })
      .catch((e) => e);
    expect(textOnly.status).toBe(400);
    expect(textOnly.error).toEqual({
      message: 'Kling: Trigger the content security policy of the platform',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
    const withImage = await gw.client.chat.completions
      .create({
        model: 'kling-v2-1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'something forbidden' },
              { type: 'image_url', image_url: { url: await pngDataUrl(320, 320) } },
            ],
          },
        ],
      })
      .catch((e) => e);
    expect(withImage.error).toMatchObject({ param: 'input_image', code: 'content_policy_violation' });
  });

  it('ends a stream with content_filter when risk control fails the task', async () => {
    const { id, text, finish } = await streamChat(gw, {
      model: 'kling-v2-1',
      messages: [{ role: 'user', content: 'a risky stunt' }],
    });
    expect(finish).toBe('content_filter');
    expect(text).toContain(
      '🚫 Blocked by content review: Kling content review blocked the video: Failure to pass the risk control system',
    );
    expect(await jobOf(gw, id)).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation', stage: 'output' },
    });
  });

  it('normalises an ordinary failed task with its task_status_msg', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'kling-v2-1', messages: [{ role: 'user', content: 'a glitch in time' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({
      code: 'upstream_error',
      message: 'Kling reported that the generation failed: Internal error, please try again later',
    });
  });

  it('ends a job at once when Kling no longer knows the task', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'kling-v2-1', messages: [{ role: 'user', content: 'a vanish act' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ code: 'upstream_task_not_found' });
    expect(fake.count('GET', new RegExp(`^/v1/videos/text2video/${lastTask(fake).id}$`))).toBe(1);
  });

  it('fails with result_expired when the video link has expired', async () => {
    fake.linkTtlMs = 0;
    try {
      const err = await gw.client.chat.completions
        .create({ model: 'kling-v2-1', messages: [{ role: 'user', content: 'an old film' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({ code: 'result_expired' });
    } finally {
      fake.linkTtlMs = 30 * 24 * 3_600_000;
    }
  });

  it('retries a 1303 concurrency refusal and creates the task once', async () => {
    const creates = fake.count('POST', CREATE);
    const accepted = fake.accepted;
    fake.injectFaults('POST', CREATE, [
      {
        status: 429,
        headers: { 'retry-after': '0' },
        body: { code: 1303, message: 'Parallel task over resource pack limit', request_id: 'r' },
      },
    ]);
    const answer = await gw.client.chat.completions.create({
      model: 'kling-v2-1',
      messages: [{ role: 'user', content: 'a slow sunrise' }],
    });
    expect(answer.choices[0].message.content).toContain('✅ Video generated successfully');
    expect(fake.count('POST', CREATE) - creates).toBe(2);
    expect(fake.accepted - accepted).toBe(1);
  });

  it('the fake refuses what Kling refuses: an expired or foreign JWT, a numeric duration, a data: image, an i2v-only model on text2video', async () => {
    const post = (path: string, body: unknown, token = signKlingJwt('ak-fake', 'sk-fake')) =>
      fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => [r.status, (await r.json()).code]);
    const ok = { model_name: 'kling-v2-1-master', prompt: 'x', duration: '5' };
    expect(await post('/v1/videos/text2video', ok, signKlingJwt('ak-fake', 'sk-fake', Date.now() - 3_600_000))).toEqual(
      [401, 1004],
    );
    expect(await post('/v1/videos/text2video', ok, signKlingJwt('ak-fake', 'not-the-secret'))).toEqual([401, 1002]);
    expect(await post('/v1/videos/text2video', { ...ok, duration: 5 })).toEqual([400, 1201]);
    expect(await post('/v1/videos/text2video', { ...ok, model_name: 'kling-v2-1' })).toEqual([400, 1201]);
    expect(
      await post('/v1/videos/image2video', {
        model_name: 'kling-v2-1',
        image: await pngDataUrl(320, 320),
        duration: '5',
      }),
    ).toEqual([400, 1201]);
  });
});

describe('Kling credentials', () => {
  it('reuses a token for 20 minutes, then signs a fresh one; a key without a secret is sent as it is', () => {
    const credentials = new KlingCredentials('ak-fake:sk-fake');
    const start = Date.UTC(2026, 0, 1);
    const first = credentials.bearer(start);
    expect(credentials.bearer(start + 19 * 60_000)).toBe(first);
    const renewed = credentials.bearer(start + 21 * 60_000);
    expect(renewed).not.toBe(first);
    expect(jwtParts(renewed).payload).toEqual({
      iss: 'ak-fake',
      exp: (start + 21 * 60_000) / 1000 + 1800,
      nbf: (start + 21 * 60_000) / 1000 - 5,
    });
    expect(new KlingCredentials('single-console-key').bearer()).toBe('single-console-key');
  });
});

describe(`Kling keys and channel options (${databaseLabel})`, () => {
  const fake = new FakeKling({ 'ak-fake': 'sk-fake' });
  let gw: RunningGateway | undefined;

  beforeAll(async () => {
    fake.taskMs = 300;
    await fake.start();
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('retires a key whose JWT Kling refuses, and sends the channel’s mode and cfg_scale', async () => {
    gw = await startGateway({
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...(await channelsConfig([
        {
          name: 'kling-v1',
          type: 'kling',
          baseUrl: `${fake.url}/v1`,
          keys: ['ak-fake:wrong-secret', 'ak-fake:sk-fake'],
          models: { 'kling-v2-1': 'kling-v1-6' },
          options: { mode: 'pro', cfg_scale: 0.3 },
        },
      ])),
    });
    const answer = await gw.client.chat.completions.create({
      model: 'kling-v2-1',
      messages: [{ role: 'user', content: 'a lantern festival 方形' }],
    });
    const creates = fake.matching('POST', CREATE);
    expect(creates).toHaveLength(2);
    expect(creates[1].json).toEqual({
      model_name: 'kling-v1-6',
      prompt: 'a lantern festival',
      cfg_scale: 0.3,
      mode: 'pro',
      aspect_ratio: '1:1',
      duration: '5',
      external_task_id: expect.stringMatching(/^mediagate-job_[0-9a-z]+$/),
    });
    expect(fake.accepted).toBe(1);
    expect(mp4Info(await download(firstLink(answer.choices[0].message.content!))).durationSeconds).toBeCloseTo(5, 1);
  });
});
