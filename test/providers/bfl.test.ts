import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBfl } from '../fakes/bfl.js';
import { channelsConfig, FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat, type ChatBody } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { imageInfo } from '../helpers/media.js';

const SUBMIT = /^\/v1\/flux-/;
const POLL = /^\/v1\/get_result$/;

const lastTaskId = (fake: FakeBfl) => [...fake.tasks.keys()].at(-1)!;
const pollsOf = (fake: FakeBfl, id: string) => fake.matching('GET', POLL).filter((r) => r.query.get('id') === id);

describe(`Black Forest Labs adapter (${databaseLabel})`, () => {
  const fake = new FakeBfl(['bfl-good']);
  let gw: RunningGateway;

  beforeAll(async () => {
    fake.taskMs = 700;
    await fake.start();
    gw = await startGateway({
      BFL_API_KEY: 'bfl-good',
      BFL_BASE_URL: fake.url,
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...FAST_RETRY_ENV,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('edits with flux-kontext-pro: reference as base64, the ratio, x-key on submit and polls, progress streamed, our own copy served', async () => {
    const reference = await pngDataUrl(96, 64, '#22aa44');
    const { text, finish } = await streamChat(gw, {
      model: 'flux-kontext-pro',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'make it a watercolour --ar 16:9' },
            { type: 'image_url', image_url: { url: reference } },
          ],
        },
      ],
    });
    expect(finish).toBe('stop');
    const submitted = fake.matching('POST', SUBMIT).at(-1)!;
    expect(submitted.path).toBe('/v1/flux-kontext-pro');
    expect(submitted.headers['x-key']).toBe('bfl-good');
    expect(submitted.json).toEqual({
      prompt: 'make it a watercolour',
      input_image: reference.slice('data:image/png;base64,'.length),
      aspect_ratio: '16:9',
      output_format: 'png',
      safety_tolerance: 2,
    });
    const polls = pollsOf(fake, lastTaskId(fake));
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.every((p) => p.headers['x-key'] === 'bfl-good')).toBe(true);
    // The signed sample link is fetched without the key: it must not leave BFL's API.
    const sampleFetch = fake.requests.filter((r) => r.path.startsWith('/delivery/')).at(-1)!;
    expect(sampleFetch.headers['x-key']).toBeUndefined();
    expect(text).toMatch(/Progress \d+%/);
    expect(firstLink(text)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\//);
    expect(await imageInfo(await download(firstLink(text)))).toEqual({ format: 'png', width: 1376, height: 768 });
  });

  it('keeps a portrait reference portrait when no ratio is asked: Kontext gets the reference’s nearest ratio, not the default square', async () => {
    const reference = await pngDataUrl(60, 100, '#aa2244');
    const { text, finish } = await streamChat(gw, {
      model: 'flux-kontext-pro',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'make it a pencil sketch' },
            { type: 'image_url', image_url: { url: reference } },
          ],
        },
      ],
    });
    expect(finish).toBe('stop');
    // 60x100 is 0.6; the nearest ratio Kontext is offered with is 9:16.
    expect(fake.matching('POST', SUBMIT).at(-1)!.json).toMatchObject({
      prompt: 'make it a pencil sketch',
      aspect_ratio: '9:16',
    });
    const image = await imageInfo(await download(firstLink(text)));
    expect(image.height).toBeGreaterThan(image.width);
    expect(text).not.toContain('ℹ️');
  });

  it('refuses flux-kontext-dev without a reference image itself, sending nothing upstream', async () => {
    const before = fake.requests.length;
    const err = await gw.client.chat.completions
      .create({ model: 'flux-kontext-dev', messages: [{ role: 'user', content: 'a red fox' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages',
      code: 'reference_image_required',
    });
    expect(fake.requests.length).toBe(before);
  });

  it('serves the `flux` alias with FLUX 1.1 [pro]: pixel size, seed and the requested format', async () => {
    const answer = await gw.client.chat.completions.create({
      model: 'flux',
      messages: [{ role: 'user', content: 'a lighthouse at dusk --ar 16:9 --seed 42' }],
      output_format: 'jpeg',
    } as ChatBody & { stream?: false });
    const submitted = fake.matching('POST', SUBMIT).at(-1)!;
    expect(submitted.path).toBe('/v1/flux-pro-1.1');
    expect(submitted.json).toEqual({
      prompt: 'a lighthouse at dusk',
      width: 1344,
      height: 768,
      seed: 42,
      output_format: 'jpeg',
      safety_tolerance: 2,
    });
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toEqual({
      format: 'jpeg',
      width: 1344,
      height: 768,
    });
  });

  it('reports Request Moderated against the reference image when one was sent, with BFL’s reasons', async () => {
    const err = await gw.client.chat.completions
      .create({
        model: 'flux-kontext-pro',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'something forbidden' },
              { type: 'image_url', image_url: { url: await pngDataUrl(32, 32) } },
            ],
          },
        ],
      })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message:
        'Black Forest Labs moderation refused the request (prompt or reference image). Reasons: Derivative Works Filter.',
      type: 'invalid_request_error',
      param: 'input_image',
      code: 'content_policy_violation',
    });
    expect(pollsOf(fake, lastTaskId(fake))).toHaveLength(1);
  });

  it('reports Request Moderated against the prompt when no reference was sent', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'flux-pro-1.1', messages: [{ role: 'user', content: 'something forbidden' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({
      param: 'prompt',
      code: 'content_policy_violation',
      message: 'Black Forest Labs moderation refused the prompt. Reasons: Derivative Works Filter.',
    });
  });

  it('ends a stream with content_filter when BFL moderates the output, and records the stage', async () => {
    const { id, text, finish } = await streamChat(gw, {
      model: 'flux-dev',
      messages: [{ role: 'user', content: 'an explicit scene' }],
    });
    expect(finish).toBe('content_filter');
    expect(text).toContain(
      '🚫 Blocked by content review: Black Forest Labs moderation blocked the generated image. Reasons: Explicit content.',
    );
    expect(await jobOf(gw, id)).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation', stage: 'output', category: 'upstream_moderation' },
    });
  });

  it('fails with result_expired when the sample link has already expired', async () => {
    fake.sampleTtlMs = 0;
    try {
      const err = await gw.client.chat.completions
        .create({ model: 'flux-dev', messages: [{ role: 'user', content: 'a quiet harbour' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({ type: 'upstream_error', code: 'result_expired' });
    } finally {
      fake.sampleTtlMs = 10 * 60_000;
    }
  });

  it('ends a job at once when BFL answers Task not found, as a status or as HTTP 404', async () => {
    for (const httpStatus of [200, 404] as const) {
      fake.notFoundHttpStatus = httpStatus;
      const err = await gw.client.chat.completions
        .create({ model: 'flux-dev', messages: [{ role: 'user', content: 'a vanish act' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toEqual({
        message: expect.stringMatching(/^Black Forest Labs no longer knows task [0-9a-f-]{36} /),
        type: 'upstream_error',
        param: null,
        code: 'upstream_task_not_found',
      });
      expect(pollsOf(fake, lastTaskId(fake))).toHaveLength(1);
      const job = await jobOf(gw, err.headers.get('x-mediagate-job-id'));
      expect(job).toMatchObject({ status: 'failed', error: { code: 'upstream_task_not_found' } });
    }
    fake.notFoundHttpStatus = 200;
  });

  it('normalises the Error status with BFL’s detail', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'flux-dev', messages: [{ role: 'user', content: 'crash test' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({
      code: 'upstream_error',
      message: 'Black Forest Labs reported that the generation failed: Internal generation failure.',
    });
  });

  it('retries a 429 after its Retry-After and creates the task once', async () => {
    const posts = fake.count('POST', SUBMIT);
    const accepted = fake.accepted;
    fake.injectFaults('POST', SUBMIT, [
      {
        status: 429,
        headers: { 'retry-after': '0' },
        body: { detail: 'You have reached the maximum number of active tasks.' },
      },
    ]);
    const answer = await gw.client.chat.completions.create({
      model: 'flux-dev',
      messages: [{ role: 'user', content: 'a paper boat' }],
    });
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toEqual({
      format: 'png',
      width: 1024,
      height: 1024,
    });
    expect(fake.count('POST', SUBMIT) - posts).toBe(2);
    expect(fake.accepted - accepted).toBe(1);
  });

  it('never sends the key to a polling_url off BFL’s hosts: it polls get_result on the channel instead', async () => {
    fake.pollingUrlFor = (id) => `https://collector.invalid/v1/get_result?id=${id}`;
    try {
      const answer = await gw.client.chat.completions.create({
        model: 'flux-dev',
        messages: [{ role: 'user', content: 'a glass orchard' }],
      });
      expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toMatchObject({
        width: 1024,
        height: 1024,
      });
      expect(pollsOf(fake, lastTaskId(fake)).length).toBeGreaterThanOrEqual(1);
    } finally {
      fake.pollingUrlFor = undefined;
    }
  });

  it('treats a 2xx submit answer without a task id as ambiguous: failed, never resubmitted', async () => {
    const posts = fake.count('POST', SUBMIT);
    fake.injectFaults('POST', SUBMIT, [{ status: 200, body: { status: 'ok' } }]);
    const err = await gw.client.chat.completions
      .create({ model: 'flux-dev', messages: [{ role: 'user', content: 'a brass key' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({
      code: 'upstream_bad_response',
      message: 'Black Forest Labs accepted the request but returned no task id.',
    });
    expect(fake.count('POST', SUBMIT) - posts).toBe(1);
  });

  it('describes 422 validation errors field by field, without resubmitting', async () => {
    const posts = fake.count('POST', SUBMIT);
    fake.injectFaults('POST', SUBMIT, [
      {
        status: 422,
        body: {
          detail: [
            {
              loc: ['body', 'aspect_ratio'],
              msg: 'Value error, Aspect ratio must be between 21:9 and 9:21',
              type: 'value_error',
            },
          ],
        },
      },
    ]);
    const err = await gw.client.chat.completions
      .create({ model: 'flux-kontext-max', messages: [{ role: 'user', content: 'a wide valley' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({
      code: 'upstream_invalid_request',
      message:
        'Black Forest Labs: Invalid request: aspect_ratio: Value error, Aspect ratio must be between 21:9 and 9:21',
    });
    expect(fake.count('POST', SUBMIT) - posts).toBe(1);
  });

  it('reports an account out of credits (402) as a quota failure', async () => {
    fake.credits = 0;
    try {
      const err = await gw.client.chat.completions
        .create({ model: 'flux-dev', messages: [{ role: 'user', content: 'a tin robot' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({
        code: 'upstream_quota_exhausted',
        message: 'Black Forest Labs: Insufficient credits. Please add credits at https://dashboard.bfl.ai.',
      });
    } finally {
      fake.credits = Number.POSITIVE_INFINITY;
    }
  });

  it('the fake refuses what BFL refuses: a wrong key, a ratio beyond 21:9, a width off the 32 grid', async () => {
    const post = (path: string, body: unknown, key = 'bfl-good') =>
      fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { 'x-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const wrongKey = await post('/v1/flux-dev', { prompt: 'x' }, 'nope');
    expect([wrongKey.status, await wrongKey.json()]).toEqual([
      403,
      { detail: 'Not authenticated - Invalid Authentication' },
    ]);
    const ratio = await post('/v1/flux-kontext-pro', { prompt: 'x', aspect_ratio: '32:9' });
    expect(ratio.status).toBe(422);
    expect((await ratio.json()).detail[0]).toMatchObject({ loc: ['body', 'aspect_ratio'], type: 'value_error' });
    const width = await post('/v1/flux-pro-1.1', { prompt: 'x', width: 1000, height: 768 });
    expect(width.status).toBe(422);
    expect((await width.json()).detail[0]).toMatchObject({ loc: ['body', 'width'], type: 'multiple_of' });
  });
});

describe(`Black Forest Labs channel options and snapping (${databaseLabel})`, () => {
  const fake = new FakeBfl(['bfl-good']);
  let gw: RunningGateway | undefined;

  beforeAll(async () => {
    fake.taskMs = 300;
    await fake.start();
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('snaps a 21:9 Kontext size onto FLUX.1 [dev]’s grid, sends the channel’s options, and retires a refused key', async () => {
    gw = await startGateway({
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...(await channelsConfig([
        {
          name: 'bfl-dev',
          type: 'bfl',
          baseUrl: `${fake.url}/v1`,
          keys: ['bfl-revoked', 'bfl-good'],
          models: { 'flux-kontext-pro': 'flux-dev' },
          options: { steps: 20, guidance: 2.5, safety_tolerance: 5 },
        },
      ])),
    });
    const { text, finish } = await streamChat(gw, {
      model: 'flux-kontext-pro',
      messages: [{ role: 'user', content: 'a long train --ar 21:9 --no smoke' }],
    });
    expect(finish).toBe('stop');
    expect(text).toContain('> ℹ️ Size 1568x672 is not offered by flux-dev; using 1440x608.');
    expect(text).toContain('> ℹ️ flux-dev takes no negative prompt; it was left out.');
    const posts = fake.matching('POST', SUBMIT);
    expect(posts.map((p) => [p.path, p.headers['x-key']])).toEqual([
      ['/v1/flux-dev', 'bfl-revoked'],
      ['/v1/flux-dev', 'bfl-good'],
    ]);
    expect(posts[1].json).toEqual({
      prompt: 'a long train',
      width: 1440,
      height: 608,
      steps: 20,
      guidance: 2.5,
      output_format: 'png',
      safety_tolerance: 5,
    });
    expect(await imageInfo(await download(firstLink(text)))).toEqual({ format: 'png', width: 1440, height: 608 });
    expect(fake.accepted).toBe(1);
  });
});
