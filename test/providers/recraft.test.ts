import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRecraft } from '../fakes/recraft.js';
import { channelsConfig, FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { allLinks, download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { NO_REVIEW_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat, type ChatBody } from '../helpers/chat.js';
import { imageInfo } from '../helpers/media.js';
import { requestsSince } from '../helpers/requests-since.js';

const GENERATIONS = /^\/v1\/images\/generations$/;

describe(`Recraft adapter (${databaseLabel})`, () => {
  const fake = new FakeRecraft(['recraft-good']);
  let gw: RunningGateway;

  beforeAll(async () => {
    await fake.start();
    gw = await startGateway({
      RECRAFT_API_KEY: 'recraft-good',
      RECRAFT_BASE_URL: `${fake.url}/v1`,
      ...NO_REVIEW_ENV,
      ...FAST_RETRY_ENV,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('sends the V3 size, the default style, seed and negative prompt, and serves our copy of the linked image', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({
        model: 'recraftv3',
        messages: [{ role: 'user', content: 'a cosy cabin in snow --ar 16:9 --seed 7 --no people' }],
      })
      .withResponse();
    expect(response.headers.get('x-mediagate-channel')).toBe('recraft');
    const sent = fake.matching('POST', GENERATIONS).at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer recraft-good');
    expect(sent.json).toEqual({
      prompt: 'a cosy cabin in snow',
      model: 'recraftv3',
      style: 'realistic_image',
      n: 1,
      size: '1820x1024',
      negative_prompt: 'people',
      random_seed: 7,
      image_format: 'png',
      response_format: 'url',
    });
    const content = data.choices[0].message.content!;
    expect(content).toMatch(/^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/);
    expect(await imageInfo(await download(firstLink(content)))).toEqual({ format: 'png', width: 1820, height: 1024 });
  });

  it('streams several WebP images in one request', async () => {
    const { text, finish } = await streamChat(gw, {
      model: 'recraftv3',
      messages: [{ role: 'user', content: 'paper lanterns --n 2 竖屏' }],
      output_format: 'webp',
    });
    expect(finish).toBe('stop');
    const sent = fake.matching('POST', GENERATIONS).at(-1)!;
    expect(sent.json).toMatchObject({ prompt: 'paper lanterns', n: 2, size: '1024x1820', image_format: 'webp' });
    const images = allLinks(text);
    expect(images).toHaveLength(2);
    for (const url of images)
      expect(await imageInfo(await download(url))).toEqual({ format: 'webp', width: 1024, height: 1820 });
  });

  it("reports Recraft's refusal of the prompt as a policy block, without retrying", async () => {
    const sent = requestsSince(fake);
    const err = await gw.client.chat.completions
      .create({ model: 'recraftv3', messages: [{ role: 'user', content: 'something forbidden' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Recraft: The prompt contains inappropriate content',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
    expect(sent.count('POST', GENERATIONS)).toBe(1);
    expect(sent.matching('POST', GENERATIONS)[0].json).toMatchObject({ prompt: 'something forbidden' });
  });

  it('fails with result_expired when the image link no longer works', async () => {
    fake.linkTtlMs = 0;
    try {
      const err = await gw.client.chat.completions
        .create({ model: 'recraftv3', messages: [{ role: 'user', content: 'a fading postcard' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({ type: 'upstream_error', code: 'result_expired' });
    } finally {
      fake.linkTtlMs = 24 * 3_600_000;
    }
  });

  it('reads error bodies of either shape and does not repeat a refused request', async () => {
    const before = fake.count('POST', GENERATIONS);
    fake.injectFaults('POST', GENERATIONS, [
      { status: 400, body: { code: 'invalid_size', message: 'Unsupported image size 999x999' } },
      { status: 400, body: { error: { code: 'invalid_style', message: 'Style is not supported by this model' } } },
    ]);
    for (const message of [
      'Recraft: Unsupported image size 999x999',
      'Recraft: Style is not supported by this model',
    ]) {
      const err = await gw.client.chat.completions
        .create({ model: 'recraftv3', messages: [{ role: 'user', content: 'a kite' }] })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect(err.error).toMatchObject({ code: 'upstream_invalid_request', message });
    }
    expect(fake.count('POST', GENERATIONS) - before).toBe(2);
  });

  it('retries a 429 and generates exactly once', async () => {
    const before = fake.count('POST', GENERATIONS);
    const accepted = fake.accepted;
    fake.injectFaults('POST', GENERATIONS, [
      { status: 429, headers: { 'retry-after': '0' }, body: { code: 'rate_limit', message: 'Too many requests' } },
    ]);
    const answer = await gw.client.chat.completions.create({
      model: 'recraftv3',
      messages: [{ role: 'user', content: 'a teapot' }],
    });
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toMatchObject({
      width: 1024,
      height: 1024,
    });
    expect(fake.count('POST', GENERATIONS) - before).toBe(2);
    expect(fake.accepted - accepted).toBe(1);
  });

  it('the fake refuses what Recraft refuses: a wrong token, an unlisted size, n over 6, style with style_id', async () => {
    const post = (body: unknown, token = 'recraft-good') =>
      fetch(`${fake.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const refused = await post({ prompt: 'x' }, 'nope');
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe('request unauthorized');
    expect(await (await post({ prompt: 'x', size: '1000x1000' })).json()).toMatchObject({ code: 'invalid_size' });
    expect(await (await post({ prompt: 'x', n: 7 })).json()).toMatchObject({ code: 'invalid_n' });
    expect(
      await (await post({ prompt: 'x', style: 'any', style_id: '7b0c1d52-0000-4000-8000-000000000000' })).json(),
    ).toMatchObject({ code: 'invalid_style' });
  });
});

describe(`Recraft channel options (${databaseLabel})`, () => {
  const fake = new FakeRecraft(['recraft-good']);
  let gw: RunningGateway | undefined;

  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('sends the channel’s style and substyle, stores inline b64 results, snaps a JPEG request to PNG', async () => {
    gw = await startGateway({
      ...NO_REVIEW_ENV,
      ...(await channelsConfig([
        {
          name: 'recraft-illustration',
          type: 'recraft',
          baseUrl: `${fake.url}/v1`,
          keys: ['recraft-good'],
          models: ['recraftv3'],
          options: { style: 'digital_illustration', substyle: 'hand_drawn', response_format: 'b64_json' },
        },
      ])),
    });
    const answer = await gw.client.chat.completions.create({
      model: 'recraftv3',
      messages: [{ role: 'user', content: 'a fox in a library 4:3' }],
      output_format: 'jpeg',
    } as ChatBody & { stream?: false });
    const sent = fake.matching('POST', GENERATIONS).at(-1)!;
    expect(sent.json).toEqual({
      prompt: 'a fox in a library',
      model: 'recraftv3',
      style: 'digital_illustration',
      substyle: 'hand_drawn',
      n: 1,
      size: '1365x1024',
      image_format: 'png',
      response_format: 'b64_json',
    });
    expect(fake.files.size).toBe(0);
    const job = await jobOf(gw, answer.id);
    expect(job.adjustments).toEqual(['recraftv3 makes PNG or WebP images; using PNG.']);
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toEqual({
      format: 'png',
      width: 1365,
      height: 1024,
    });
  });

  it('retires a token Recraft refuses with its plain-text 401 and serves every request with the other', async () => {
    const twoKeys = await startGateway({
      ...NO_REVIEW_ENV,
      ...FAST_RETRY_ENV,
      ...(await channelsConfig([
        {
          name: 'recraft-two-keys',
          type: 'recraft',
          baseUrl: `${fake.url}/v1`,
          keys: ['recraft-revoked', 'recraft-good'],
          models: ['recraftv3'],
        },
      ])),
    });
    try {
      const before = fake.count('POST', GENERATIONS);
      for (const prompt of ['a lantern', 'a kettle', 'a compass']) {
        const answer = await twoKeys.client.chat.completions.create({
          model: 'recraftv3',
          messages: [{ role: 'user', content: prompt }],
        });
        expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toMatchObject({
          format: 'png',
          width: 1024,
          height: 1024,
        });
      }
      const tokens = fake
        .matching('POST', GENERATIONS)
        .slice(before)
        .map((r) => r.headers.authorization);
      // Round-robin reaches the revoked token once; after its 401 it is out of rotation.
      expect(tokens.filter((t) => t === 'Bearer recraft-revoked')).toHaveLength(1);
      expect(tokens.filter((t) => t === 'Bearer recraft-good')).toHaveLength(3);
    } finally {
      await twoKeys.close();
    }
  });
});
