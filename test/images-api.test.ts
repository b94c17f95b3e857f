import { createHash } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { imageInfo } from './helpers/media.js';

const png = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
const mediaPath = (data: Buffer, ext: string) => {
  const sha = createHash('sha256').update(data).digest('hex');
  return `/media/${sha.slice(0, 2)}/${sha}.${ext}`;
};

describe(`Images API with the OpenAI SDK (${databaseLabel})`, { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100' });
  });
  afterAll(async () => gw?.close());

  it('images.generate with response_format url links a PNG of the requested size', async () => {
    const { data: result, response } = await gw.client.images
      .generate({ model: 'gpt-image-1', prompt: 'a red fox in snow', size: '1024x1536', response_format: 'url' })
      .withResponse();
    expect(response.headers.get('x-mediagate-job-id')).toMatch(/^job_/);
    expect(result.created).toBeGreaterThan(1_700_000_000);
    expect(result.size).toBe('1024x1536');
    expect(result.output_format).toBe('png');
    expect(result.data).toHaveLength(1);
    expect(result.data![0].b64_json).toBeUndefined();
    expect(result.data![0].url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
    expect(await imageInfo(await download(result.data![0].url!))).toEqual({ format: 'png', width: 1024, height: 1536 });
  });

  it('images.generate answers gpt-image-1 in b64_json by default, here as two WebP images', async () => {
    const result = await gw.client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a lantern',
      size: '1536x1024',
      n: 2,
      output_format: 'webp',
    });
    expect(result.output_format).toBe('webp');
    expect(result.data).toHaveLength(2);
    const decoded = await Promise.all(result.data!.map((d) => imageInfo(Buffer.from(d.b64_json!, 'base64'))));
    expect(decoded).toEqual([
      { format: 'webp', width: 1536, height: 1024 },
      { format: 'webp', width: 1536, height: 1024 },
    ]);
    expect(result.data![0].b64_json).not.toBe(result.data![1].b64_json);
  });

  it('other models default to url; an unsupported size is snapped to the nearest ratio', async () => {
    const result = await gw.client.images.generate({
      model: 'dall-e-3',
      prompt: 'a wide valley',
      size: '1600x900' as never,
    });
    expect(result.size).toBe('1792x1024');
    expect(await imageInfo(await download(result.data![0].url!))).toEqual({ format: 'png', width: 1792, height: 1024 });
  });

  it('images.edit takes two uploaded files (stored as references) and returns the edited image', async () => {
    const first = await png(96, 64, '#cc3333');
    const second = await png(64, 64, '#3333cc');
    const result = await gw.client.images.edit({
      model: 'gpt-image-1',
      prompt: 'put the blue square on the red card',
      image: [
        await toFile(first, 'red.png', { type: 'image/png' }),
        await toFile(second, 'blue.png', { type: 'image/png' }),
      ],
      size: '1024x1024',
      response_format: 'url',
    });
    expect(await imageInfo(await download(result.data![0].url!))).toEqual({ format: 'png', width: 1024, height: 1024 });
    expect(await download(`${gw.baseUrl}${mediaPath(first, 'png')}`)).toEqual(first);
    expect(await download(`${gw.baseUrl}${mediaPath(second, 'png')}`)).toEqual(second);
  });

  it('images.edit with one file and a matching mask; a mask of another size is a 400', async () => {
    const image = await png(80, 80, '#888888');
    const mask = await sharp({
      create: { width: 80, height: 80, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const ok = await gw.client.images.edit({
      model: 'gpt-image-1',
      prompt: 'fill the hole',
      image: await toFile(image, 'in.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
    });
    expect((await imageInfo(Buffer.from(ok.data![0].b64_json!, 'base64'))).format).toBe('png');

    const wrong = await gw.client.images
      .edit({
        model: 'gpt-image-1',
        prompt: 'fill the hole',
        image: await toFile(image, 'in.png', { type: 'image/png' }),
        mask: await toFile(await png(40, 40, '#000'), 'mask.png', { type: 'image/png' }),
      })
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(OpenAI.BadRequestError);
    expect(wrong.error).toEqual({
      message: 'mask is 40x40 but the first image is 80x80; they must match.',
      type: 'invalid_request_error',
      param: 'mask',
      code: 'invalid_image',
    });
  });

  it('images.edit also accepts JSON images: [{image_url}] with data: URLs', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'flux-kontext-pro',
        prompt: 'make it night',
        images: [{ image_url: `data:image/png;base64,${(await png(32, 32, '#ffee00')).toString('base64')}` }],
        aspect_ratio: '16:9',
        output_format: 'jpeg',
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.size).toBe('1376x768');
    expect(await imageInfo(await download(body.data[0].url))).toEqual({ format: 'jpeg', width: 1376, height: 768 });
  });

  it('refuses what it cannot do, in OpenAI envelopes', async () => {
    const video = await gw.client.images.generate({ model: 'sora-2', prompt: 'x' }).catch((e) => e);
    expect(video.status).toBe(400);
    expect(video.error).toMatchObject({ param: 'model', code: 'model_not_image' });

    const stream = await gw.client.images.generate({ model: 'gpt-image-1', prompt: 'x', stream: true }).catch((e) => e);
    expect(stream.status).toBe(400);
    expect(stream.error.param).toBe('stream');

    const cannotEdit = await gw.client.images
      .edit({ model: 'dall-e-3', prompt: 'x', image: await toFile(await png(8, 8, '#000'), 'a.png') })
      .catch((e) => e);
    expect(cannotEdit.status).toBe(400);
    expect(cannotEdit.error.code).toBe('model_cannot_edit');

    const transparentJpeg = await gw.client.images
      .generate({ model: 'gpt-image-1', prompt: 'x', background: 'transparent', output_format: 'jpeg' })
      .catch((e) => e);
    expect(transparentJpeg.error).toMatchObject({ param: 'background', code: 'invalid_value' });

    const notImage = await gw.client.images
      .edit({ model: 'gpt-image-1', prompt: 'x', image: await toFile(Buffer.from('not an image'), 'a.png') })
      .catch((e) => e);
    expect(notImage.status).toBe(400);
    expect(notImage.error).toMatchObject({ param: 'image[0]', code: 'invalid_image' });

    const missing = await fetch(`${gw.baseUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1' }),
    });
    expect(await missing.json()).toEqual({
      error: {
        message: "Missing required parameter: 'prompt'.",
        type: 'invalid_request_error',
        param: 'prompt',
        code: 'missing_required_parameter',
      },
    });

    const unknown = await gw.client.images.generate({ model: 'no-such-model', prompt: 'x' }).catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.error.code).toBe('model_not_found');

    const failed = await gw.client.images
      .generate({ model: 'gpt-image-1', prompt: 'a cat #sandbox-fail' })
      .catch((e) => e);
    expect(failed.status).toBe(502);
    expect(failed.error.code).toBe('upstream_error');
  });
});
