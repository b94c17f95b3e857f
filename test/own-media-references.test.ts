import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { call } from './helpers/operator.js';

/**
 * PUBLIC_BASE_URL names a host that does not resolve: a link on it can only work if the gateway reads
 * it from its own store, so every success here proves no fetch happened.
 */
const PUBLIC = 'http://gateway.invalid';
const PART = 'messages[0].content[1].image_url.url';

describe(`this gateway's own /media/ links as references (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let drawn: string;
  beforeAll(async () => {
    gw = await startGateway({ PUBLIC_BASE_URL: PUBLIC });
    const image = await gw.client.images.generate({ model: 'gpt-image-1', prompt: 'a cat', response_format: 'url' });
    drawn = image.data?.[0].url ?? '';
  });
  afterAll(async () => gw?.close());

  const chatWith = (url: string) =>
    call(gw, '/v1/chat/completions', {
      key: TEST_API_KEY,
      body: {
        model: 'gpt-image-1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'make it night' },
              { type: 'image_url', image_url: { url } },
            ],
          },
        ],
      },
    });

  const jobReferences = async (id: string) => (await call(gw, `/v1/jobs/${id}`, { key: TEST_API_KEY })).body.references;

  it('a PUBLIC_BASE_URL link (unresolvable) is read from storage: a chat image part and an Images API URL field', async () => {
    expect(drawn).toMatch(/^http:\/\/gateway\.invalid\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
    const chat = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'make it night' },
            { type: 'image_url', image_url: { url: drawn } },
          ],
        },
      ],
    });
    expect(firstLink(chat.choices[0].message.content ?? '')).toMatch(/^http:\/\/gateway\.invalid\/media\//);
    expect(await jobReferences(chat.id)).toEqual([
      { url: drawn, source: 'message', width: 1024, height: 1024, content_type: 'image/png' },
    ]);

    const edit = await call(gw, '/v1/images/edits', {
      key: TEST_API_KEY,
      body: { model: 'gpt-image-1', prompt: 'add a hat', images: [{ image_url: drawn }], response_format: 'url' },
    });
    expect(edit.status).toBe(200);
    expect(await jobReferences(edit.headers.get('x-mediagate-job-id') ?? '')).toEqual([
      expect.objectContaining({ url: drawn, source: 'url' }),
    ]);
  });

  it("a link on the request's own host (127.0.0.1, a loopback address) is read from storage too", async () => {
    const local = drawn.replace(PUBLIC, gw.baseUrl);
    const video = await call(gw, '/v1/videos', {
      key: TEST_API_KEY,
      body: { model: 'sora-2', prompt: 'the cat walks', seconds: '4', input_reference: { image_url: local } },
    });
    expect(video.status).toBe(200);
    expect(await jobReferences(video.body.id)).toEqual([expect.objectContaining({ url: drawn, source: 'url' })]);
    // Its render is not needed here.
    await call(gw, `/v1/jobs/${video.body.id}/cancel`, { key: TEST_API_KEY, method: 'POST' });
  });

  it('another private address stays refused, whatever its path', async () => {
    const port = Number(new URL(gw.baseUrl).port) + 1;
    const url = `http://127.0.0.1:${port}/x.png`;
    const { status, body } = await chatWith(url);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'image_url_not_allowed', param: PART, type: 'invalid_request_error' });
    expect((await chatWith(`http://127.0.0.1:${port}/media/${new URL(drawn).pathname.slice(7)}`)).body.error.code).toBe(
      'image_url_not_allowed',
    );
  });

  it('a path that is not a media key, or names nothing, is a 400 naming the field', async () => {
    for (const url of [
      `${PUBLIC}/media/../x.png`,
      `${gw.baseUrl}/media/%2e%2e/%2e%2e/etc/passwd`,
      `${PUBLIC}/media/x`,
    ]) {
      const { status, body } = await chatWith(url);
      expect(status).toBe(400);
      expect(body).toEqual({
        error: {
          message: expect.stringContaining("points into this gateway's /media/ but"),
          type: 'invalid_request_error',
          param: PART,
          code: 'invalid_image_url',
        },
      });
    }
    const missing = `${PUBLIC}/media/ab/ab${'0'.repeat(62)}.png`;
    const { status, body } = await chatWith(missing);
    expect(status).toBe(400);
    expect(body.error).toEqual({
      message: `${PART} names /media/ab/ab${'0'.repeat(62)}.png, which this gateway does not hold.`,
      type: 'invalid_request_error',
      param: PART,
      code: 'image_fetch_failed',
    });
  });

  it('the openai client sees the refusal of a traversal as a BadRequestError', async () => {
    const err = await gw.client.chat.completions
      .create({
        model: 'gpt-image-1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'image_url', image_url: { url: `${PUBLIC}/media/../../secret.png` } },
            ],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(PART);
  });
});
