import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { damagedPng } from './helpers/images.js';

const auth = { authorization: `Bearer ${TEST_API_KEY}` };

/** A reference whose header is valid but whose pixels are not is refused on receipt, on every endpoint. */
describe(`damaged reference images (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let damaged: Buffer;
  beforeAll(async () => {
    gw = await startGateway();
    damaged = await damagedPng();
  });
  afterAll(async () => gw?.close());

  const submitted = () =>
    readFile(join(gw.dataDir, 'sandbox', 'operations.jsonl'), 'utf8').then(
      (text) => text.split('\n').filter(Boolean).length,
      () => 0,
    );

  async function expectRefused(response: Promise<Response>, param: string) {
    const started = Date.now();
    const res = await response;
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: `The image in ${param} is damaged: its header is valid but its pixel data cannot be decoded.`,
        type: 'invalid_request_error',
        param,
        code: 'invalid_image',
      },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await submitted()).toBe(0);
  }

  it('the test image really is damaged only below its header', async () => {
    expect((await sharp(damaged).metadata()).width).toBe(256);
    await expect(sharp(damaged).raw().toBuffer()).rejects.toThrow();
  });

  it('chat completions: 400 invalid_image at once', async () => {
    const url = `data:image/png;base64,${damaged.toString('base64')}`;
    const body = {
      model: 'sora-2',
      stream: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'dance' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    };
    await expectRefused(
      fetch(`${gw.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      'messages[0].content[1].image_url.url',
    );
  });

  it('images edits (multipart): 400 invalid_image at once', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(damaged)], { type: 'image/png' }), 'photo.png');
    form.append('prompt', 'make it blue');
    form.append('model', 'gpt-image-1');
    await expectRefused(
      fetch(`${gw.baseUrl}/v1/images/edits`, { method: 'POST', headers: auth, body: form }),
      'image[0]',
    );
  });

  it('videos (multipart): 400 invalid_image at once, not a moderation 503', async () => {
    const form = new FormData();
    form.append('input_reference', new Blob([new Uint8Array(damaged)], { type: 'image/png' }), 'frame.png');
    form.append('prompt', 'waves');
    await expectRefused(
      fetch(`${gw.baseUrl}/v1/videos`, { method: 'POST', headers: auth, body: form }),
      'input_reference',
    );
  });

  it('twenty at once are all refused (a concurrent decode check must not let one through)', async () => {
    const url = `data:image/png;base64,${damaged.toString('base64')}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${gw.baseUrl}/v1/images/edits`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-image-1', prompt: 'x', images: [{ image_url: url }] }),
        }).then(async (res) => [res.status, (await res.json()).error?.code]),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 20 }, () => [400, 'invalid_image']));
    expect(await submitted()).toBe(0);
  });
});
