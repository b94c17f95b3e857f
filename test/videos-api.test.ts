import { createHash } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { imageInfo, mp4Info } from './helpers/media.js';

type Video = OpenAI.Videos.Video;

const OTHER_KEY = 'sk-videos-other-0123456789';
const PAGING_KEY = 'sk-videos-paging-0123456789';

async function untilDone(client: OpenAI, id: string): Promise<Video> {
  // Generous: the shared 2-core machine can make ffmpeg slow; the test timeout is the real bound.
  const deadline = Date.now() + 150_000;
  for (;;) {
    const video = await client.videos.retrieve(id);
    if (video.status === 'completed' || video.status === 'failed') return video;
    if (Date.now() > deadline) throw new Error(`video ${id} still ${video.status}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const png = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();

describe(`Videos API with the OpenAI SDK (${databaseLabel})`, { timeout: 180_000 }, () => {
  let gw: RunningGateway;
  let other: OpenAI;
  let paging: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_API_KEYS: `${TEST_API_KEY},${OTHER_KEY},${PAGING_KEY}` });
    other = new OpenAI({ apiKey: OTHER_KEY, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
    paging = new OpenAI({ apiKey: PAGING_KEY, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => gw?.close());

  it('models.list includes the video models', async () => {
    const models = await gw.client.models.list();
    const sora = models.data.find((m) => m.id === 'sora-2') as unknown as { mediagate: { kind: string } };
    expect(sora.mediagate.kind).toBe('video');
  });

  it('creates a text-only video, polls it to completion and downloads a 2 s 1280x720 MP4 and a WebP thumbnail', async () => {
    const created = await gw.client.videos.create({
      model: 'sora-2',
      prompt: 'a lighthouse at dawn',
      seconds: '2' as never,
      size: '1280x720',
    });
    expect(created).toMatchObject({
      object: 'video',
      model: 'sora-2',
      status: 'queued',
      progress: 0,
      seconds: '2',
      size: '1280x720',
      prompt: 'a lighthouse at dawn',
    });
    expect(created.id).toMatch(/^video_[0-9a-z]+$/);
    expect(created.completed_at).toBeNull();
    expect(created.remixed_from_video_id).toBeNull();

    const done = await untilDone(gw.client, created.id);
    expect(done).toMatchObject({ id: created.id, status: 'completed', progress: 100, error: null, expires_at: null });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);

    const video = await gw.client.videos.downloadContent(created.id);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const mp4 = mp4Info(Buffer.from(await video.arrayBuffer()));
    expect(Math.abs(mp4.durationSeconds - 2)).toBeLessThanOrEqual(0.1);
    expect([mp4.width, mp4.height]).toEqual([1280, 720]);

    const thumbnail = await gw.client.videos.downloadContent(created.id, { variant: 'thumbnail' });
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(await imageInfo(Buffer.from(await thumbnail.arrayBuffer()))).toEqual({
      format: 'webp',
      width: 1280,
      height: 720,
    });
    // Served again from storage, identical.
    const again = await gw.client.videos.downloadContent(created.id, { variant: 'thumbnail' });
    expect((await again.arrayBuffer()).byteLength).toBe(Number(thumbnail.headers.get('content-length')));
  });

  it('creates a video from an uploaded input_reference file, with OpenAI defaults for size', async () => {
    const reference = await png(360, 640, '#22aa44');
    const created = await gw.client.videos.create({
      model: 'sora-2',
      prompt: 'the green card starts to glow',
      seconds: '1' as never,
      input_reference: await toFile(reference, 'start.png', { type: 'image/png' }),
    });
    expect(created.size).toBe('720x1280');
    const done = await untilDone(gw.client, created.id);
    expect(done.status).toBe('completed');
    const mp4 = mp4Info(Buffer.from(await (await gw.client.videos.downloadContent(created.id)).arrayBuffer()));
    expect(Math.abs(mp4.durationSeconds - 1)).toBeLessThanOrEqual(0.1);
    expect([mp4.width, mp4.height]).toEqual([720, 1280]);
    // The upload was stored (content-addressed) as the job's reference.
    const sha = createHash('sha256').update(reference).digest('hex');
    expect(await download(`${gw.baseUrl}/media/${sha.slice(0, 2)}/${sha}.png`)).toEqual(reference);
  });

  it('accepts JSON with input_reference {image_url} and seconds as a number', async () => {
    const dataUrl = `data:image/png;base64,${(await png(64, 64, '#3366cc')).toString('base64')}`;
    const res = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'a blue square drifts',
        seconds: 1,
        size: '720x720',
        input_reference: { image_url: dataUrl },
      }),
    });
    expect(res.status).toBe(200);
    const created = (await res.json()) as Video;
    expect(created).toMatchObject({ model: 'sora-2', seconds: '1', size: '720x720' as never });
    expect((await untilDone(gw.client, created.id)).status).toBe('completed');
  });

  it('pages through videos.list with after/limit/order, and only the caller sees its videos', async () => {
    const ids: string[] = [];
    for (const prompt of ['page one 1s', 'page two 1s', 'page three 1s'])
      ids.push((await paging.videos.create({ prompt })).id);

    const first = await paging.videos.list({ limit: 2 });
    expect(first.data.map((v) => v.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const second = await first.getNextPage();
    expect(second.data.map((v) => v.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);

    const all: string[] = [];
    for await (const video of paging.videos.list({ limit: 1, order: 'asc' })) all.push(video.id);
    expect(all).toEqual(ids);

    expect((await other.videos.list()).data).toEqual([]);
    const err = await other.videos.retrieve(ids[0]).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error).toEqual({
      message: `No video found with id '${ids[0]}'.`,
      type: 'invalid_request_error',
      param: 'video_id',
      code: 'video_not_found',
    });
  });

  it('delete removes the video and its media; a file another video shares stays', async () => {
    const prompt = `a comet unique ${Date.now()} 1s`;
    const keep = await gw.client.videos.create({ prompt, size: '720x720' as never });
    const gone = await gw.client.videos.create({ prompt, size: '720x720' as never });
    await untilDone(gw.client, keep.id);
    await untilDone(gw.client, gone.id);
    const jobOf = async (id: string) =>
      (await (
        await fetch(`${gw.baseUrl}/v1/jobs/${id.replace(/^video_/, 'job_')}`, {
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        })
      ).json()) as { results: { url: string }[] };
    const url = (await jobOf(gone.id)).results[0].url;
    expect((await jobOf(keep.id)).results[0].url).toBe(url); // identical renders share one stored file
    await gw.client.videos.downloadContent(gone.id, { variant: 'thumbnail' });

    expect(await gw.client.videos.delete(gone.id)).toEqual({ id: gone.id, object: 'video.deleted', deleted: true });
    expect(await gw.client.videos.retrieve(gone.id).catch((e) => e.status)).toBe(404);
    expect(await gw.client.videos.downloadContent(gone.id).catch((e) => e.status)).toBe(404);
    expect((await fetch(url)).status).toBe(200); // still referenced by `keep`

    await gw.client.videos.delete(keep.id);
    expect((await fetch(url)).status).toBe(404);
    expect(await gw.client.videos.delete(keep.id).catch((e) => e.status)).toBe(404);
  });

  it('remixes a completed video with a new prompt, keeping its duration and size', async () => {
    const original = await gw.client.videos.create({ prompt: 'a red kite', seconds: '1' as never, size: '1280x720' });
    await untilDone(gw.client, original.id);
    const remix = await gw.client.videos.remix(original.id, { prompt: 'the kite turns blue' });
    expect(remix).toMatchObject({
      remixed_from_video_id: original.id,
      seconds: '1',
      size: '1280x720',
      prompt: 'the kite turns blue',
    });
    expect(remix.id).not.toBe(original.id);
    expect((await untilDone(gw.client, remix.id)).status).toBe('completed');
    const mp4 = mp4Info(Buffer.from(await (await gw.client.videos.downloadContent(remix.id)).arrayBuffer()));
    expect([mp4.width, mp4.height]).toEqual([1280, 720]);
  });

  it('a chat stream dropped after its first progress chunk is later fetched complete via GET /v1/videos/{id}', async () => {
    const controller = new AbortController();
    const stream = await gw.client.chat.completions.create(
      {
        model: 'sora-2',
        stream: true,
        messages: [{ role: 'user', content: 'a sailing boat, duration: 2 seconds 横屏' }],
      },
      { signal: controller.signal },
    );
    let chatId = '';
    for await (const chunk of stream) {
      chatId = chunk.id;
      if (/进度|Progress \d+%/.test(chunk.choices[0]?.delta?.content ?? '')) break;
    }
    controller.abort();
    expect(chatId).toMatch(/^chatcmpl-job_/);

    const video = await untilDone(gw.client, chatId);
    expect(video).toMatchObject({
      id: chatId.replace('chatcmpl-job_', 'video_'),
      status: 'completed',
      seconds: '2',
      size: '1280x720',
    });
    const mp4 = mp4Info(Buffer.from(await (await gw.client.videos.downloadContent(video.id)).arrayBuffer()));
    expect(Math.abs(mp4.durationSeconds - 2)).toBeLessThanOrEqual(0.1);
  });

  it('refuses what it cannot do with OpenAI error envelopes', async () => {
    const imageModel = await gw.client.videos.create({ model: 'gpt-image-1' as never, prompt: 'x' }).catch((e) => e);
    expect(imageModel.status).toBe(400);
    expect(imageModel.error.code).toBe('model_not_video');
    expect(imageModel.error.param).toBe('model');

    const missing = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: '4' }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: {
        message: "Missing required parameter: 'prompt'.",
        type: 'invalid_request_error',
        param: 'prompt',
        code: 'missing_required_parameter',
      },
    });

    const fileId = await gw.client.videos
      .create({ prompt: 'x', input_reference: { file_id: 'file_1' } })
      .catch((e) => e);
    expect(fileId.status).toBe(400);
    expect(fileId.error.param).toBe('input_reference.file_id');

    const running = await gw.client.videos.create({ prompt: 'a slow sunset 3s' });
    const early = await gw.client.videos.downloadContent(running.id).catch((e) => e);
    expect(early.status).toBe(409);
    expect(early.error.code).toBe('video_not_ready');
    const sprites = await gw.client.videos.downloadContent(running.id, { variant: 'spritesheet' }).catch((e) => e);
    expect(sprites.status).toBe(400);
    expect(sprites.error.param).toBe('variant');
    expect((await gw.client.videos.delete(running.id).catch((e) => e)).status).toBe(409);
    expect((await gw.client.videos.retrieve('video_doesnotexist').catch((e) => e)).status).toBe(404);
    expect((await gw.client.videos.retrieve('../../etc').catch((e) => e)).status).toBe(404);
  });
});
