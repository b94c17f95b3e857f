import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { channelsConfig, FAST_RETRY_ENV } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from './helpers/gateway.js';
import { imageInfo } from './helpers/media.js';

const GENERATIONS = /^\/v1\/images\/generations$/;
const drawCat = { model: 'gpt-image-1', messages: [{ role: 'user' as const, content: 'Draw a cat' }] };

/** Every test below drives real submissions through the job engine against a faulty fake upstream. */
describe(`upstream faults: retries, failover and key retirement (${databaseLabel})`, () => {
  const primary = new FakeOpenAiImages(['sk-primary-good']);
  const secondary = new FakeOpenAiImages(['sk-secondary']);
  let gw: RunningGateway | undefined;

  beforeAll(async () => {
    await primary.start();
    await secondary.start();
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(async () => {
    await primary.close();
    await secondary.close();
  });

  const openaiChannel = (
    name: string,
    fake: FakeOpenAiImages,
    keys: string[],
    extra: Record<string, unknown> = {},
  ) => ({
    name,
    type: 'openai-images',
    baseUrl: `${fake.url}/v1`,
    keys,
    models: ['gpt-image-1'],
    ...extra,
  });

  it('retries submissions the upstream certainly did not accept (500, 429, reset) and generates exactly once', async () => {
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      MEDIAGATE_SUBMIT_ATTEMPTS: '4',
      ...(await channelsConfig([openaiChannel('only', primary, ['sk-primary-good'])])),
    });
    const acceptedBefore = primary.accepted;
    const postsBefore = primary.count('POST', GENERATIONS);
    primary.injectFaults('POST', GENERATIONS, [
      {
        status: 500,
        body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } },
      },
      {
        status: 429,
        headers: { 'retry-after': '0' },
        body: {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
      },
      { reset: true },
    ]);
    const answer = await gw.client.chat.completions.create(drawCat);
    expect(await imageInfo(await download(firstLink(answer.choices[0].message.content!)))).toMatchObject({
      width: 1024,
      height: 1024,
    });
    expect(primary.count('POST', GENERATIONS) - postsBefore).toBe(4);
    expect(primary.accepted - acceptedBefore).toBe(1);
    const job = await (
      await fetch(`${gw.baseUrl}/v1/jobs/${answer.id}`, {
        headers: { authorization: 'Bearer sk-test-0123456789abcdef' },
      })
    ).json();
    expect(job.status).toBe('succeeded');
  });

  it('does not repeat a request the upstream refused, and reports its reason', async () => {
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      ...(await channelsConfig([openaiChannel('only', primary, ['sk-primary-good'])])),
    });
    const postsBefore = primary.count('POST', GENERATIONS);
    primary.injectFaults('POST', GENERATIONS, [
      {
        status: 400,
        body: {
          error: {
            message: "Invalid value for 'size'.",
            type: 'invalid_request_error',
            param: 'size',
            code: 'invalid_value',
          },
        },
      },
    ]);
    const err = await gw.client.chat.completions.create(drawCat).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: "OpenAI: Invalid value for 'size'.",
      type: 'upstream_error',
      param: null,
      code: 'upstream_invalid_request',
    });
    expect(primary.count('POST', GENERATIONS) - postsBefore).toBe(1);
  });

  it('does not repeat a submission whose answer broke off half-way: the upstream may have accepted it', async () => {
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      ...(await channelsConfig([openaiChannel('only', primary, ['sk-primary-good'])])),
    });
    const postsBefore = primary.count('POST', GENERATIONS);
    primary.injectFaults('POST', GENERATIONS, [{ cutOff: true }]);
    const err = await gw.client.chat.completions.create(drawCat).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        "OpenAI's answer (HTTP 200) broke off before it was complete. It may have accepted the work, so the request was not repeated.",
      type: 'upstream_error',
      param: null,
      code: 'upstream_bad_response',
    });
    expect(primary.count('POST', GENERATIONS) - postsBefore).toBe(1);
  });

  it('fails over to the next channel by priority when one keeps failing, and generates once in all', async () => {
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      ...(await channelsConfig([
        openaiChannel('backup', secondary, ['sk-secondary'], { priority: 0 }),
        openaiChannel('main', primary, ['sk-primary-good'], { priority: 10 }),
      ])),
    });
    const failing = Array.from({ length: 3 }, () => ({
      status: 503,
      body: { error: { message: 'The engine is currently overloaded', type: 'server_error', param: null, code: null } },
    }));
    primary.injectFaults('POST', GENERATIONS, failing);
    const before = {
      primary: primary.accepted,
      secondary: secondary.accepted,
      posts: primary.count('POST', GENERATIONS),
    };
    const { data, response } = await gw.client.chat.completions.create(drawCat).withResponse();
    expect(response.headers.get('x-mediagate-channel')).toBe('main');
    expect(await imageInfo(await download(firstLink(data.choices[0].message.content!)))).toMatchObject({ width: 1024 });
    expect(primary.count('POST', GENERATIONS) - before.posts).toBe(3);
    expect(primary.accepted - before.primary).toBe(0);
    expect(secondary.accepted - before.secondary).toBe(1);
  });

  it('reports the last upstream reason when every channel fails', async () => {
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      MEDIAGATE_SUBMIT_ATTEMPTS: '1',
      ...(await channelsConfig([
        openaiChannel('a', primary, ['sk-primary-good'], { priority: 1 }),
        openaiChannel('b', secondary, ['sk-secondary']),
      ])),
    });
    primary.injectFaults('POST', GENERATIONS, [{ status: 502, body: 'Bad gateway' }]);
    secondary.injectFaults('POST', GENERATIONS, [
      {
        status: 429,
        body: {
          error: {
            message: 'You exceeded your current quota',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        },
      },
    ]);
    const err = await gw.client.chat.completions.create(drawCat).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: 'OpenAI: You exceeded your current quota',
      type: 'upstream_error',
      param: null,
      code: 'upstream_rate_limited',
    });
  });

  it('takes a refused key out of rotation and keeps serving with the others', async () => {
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      ...(await channelsConfig([openaiChannel('keys', primary, ['sk-revoked-key', 'sk-primary-good'])])),
    });
    const seen = () => primary.matching('POST', GENERATIONS).map((r) => r.headers.authorization);
    const before = seen().length;
    for (let i = 0; i < 3; i++) {
      const answer = await gw.client.chat.completions.create(drawCat);
      expect(answer.choices[0].message.content).toMatch(/^!\[image\]/);
    }
    const used = seen().slice(before);
    expect(used.filter((h) => h === 'Bearer sk-revoked-key')).toHaveLength(1);
    expect(used.filter((h) => h === 'Bearer sk-primary-good')).toHaveLength(3);
    const channel = gw.gateway.channels.get('keys')!;
    expect(channel.keys.states.map((k) => ({ masked: k.masked, retired: k.retired }))).toEqual([
      { masked: 'sk-r…', retired: true },
      { masked: 'sk-p…', retired: false },
    ]);
  });

  it("holds jobs beyond a channel's concurrency limit until a slot frees, without failing them", async () => {
    gw = await startGateway({
      ...(await channelsConfig([openaiChannel('narrow', secondary, ['sk-secondary'], { concurrency: 2 })])),
    });
    secondary.latencyMs = 150;
    secondary.maxInFlight = 0;
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => gw!.client.chat.completions.create(drawCat)));
      expect(answers.every((a) => a.choices[0].message.content!.startsWith('![image]'))).toBe(true);
      expect(secondary.maxInFlight).toBeGreaterThan(0);
      expect(secondary.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      secondary.latencyMs = 0;
    }
  });
});
