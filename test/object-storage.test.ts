import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, type RunningGateway, startGateway } from './helpers/gateway.js';
import { imageInfo, mp4Info } from './helpers/media.js';
import { type RunningS3, startS3 } from './helpers/s3.js';

type Video = OpenAI.Videos.Video;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** `/media/<key>` of a link, the key being the object's name under the bucket's prefix. */
const keyOf = (link: string) => new URL(link).pathname.replace(/^\/media\//, '');

async function chatImage(gw: RunningGateway, prompt: string): Promise<string> {
  const completion = await gw.client.chat.completions.create({
    model: 'gpt-image-1',
    messages: [{ role: 'user', content: prompt }],
  });
  return firstLink(completion.choices[0].message.content ?? '');
}

async function finishedVideo(gw: RunningGateway, prompt: string): Promise<Video> {
  const created = await gw.client.videos.create({ model: 'sora-2', prompt, seconds: '2' as never, size: '1280x720' });
  const deadline = Date.now() + 150_000;
  for (;;) {
    const video = await gw.client.videos.retrieve(created.id);
    if (video.status === 'completed') return video;
    if (video.status === 'failed' || Date.now() > deadline)
      throw new Error(`video ${created.id} ended ${video.status}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const contentOf = async (gw: RunningGateway, id: string, variant?: 'thumbnail') =>
  Buffer.from(await (await gw.client.videos.downloadContent(id, variant ? { variant } : {})).arrayBuffer());

describe(`media in an S3-compatible bucket (${databaseLabel}, s3rver)`, { timeout: 180_000 }, () => {
  let s3: RunningS3;
  let gw: RunningGateway;
  beforeAll(async () => {
    s3 = await startS3();
    gw = await startGateway(s3.env);
  });
  afterAll(async () => {
    await gw?.close();
    await s3?.close();
  });

  it('stores a chat image in the bucket, not the data dir, and serves it byte for byte with Range, 304 and 416', async () => {
    const link = await chatImage(gw, 'a red kite over the sea');
    const key = keyOf(link);
    expect(await s3.keys()).toContain(key);
    const stored = await s3.object(key);
    expect(sha256(stored)).toBe(key.slice(3, 67));
    expect(existsSync(join(gw.dataDir, 'media', key))).toBe(false);

    const response = await fetch(link);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(stored)).toBe(true);
    expect(await imageInfo(body)).toMatchObject({ format: 'png' });
    const etag = `"${key.slice(3, 67)}"`;
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(stored.length),
      etag,
      'cache-control': 'public, max-age=31536000, immutable',
      'accept-ranges': 'bytes',
    });
    expect(new Date(response.headers.get('last-modified')!).getTime()).toBeGreaterThan(Date.now() - 600_000);

    const range = await fetch(link, { headers: { range: 'bytes=100-1123' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 100-1123/${stored.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(stored.subarray(100, 1124))).toBe(true);

    const suffix = await fetch(link, { headers: { range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(stored.subarray(stored.length - 10))).toBe(true);

    // If-Range with another validator: the whole object, not a range of something else.
    const stale = await fetch(link, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
    expect(stale.status).toBe(200);
    expect(Buffer.from(await stale.arrayBuffer()).equals(stored)).toBe(true);

    const notModified = await fetch(link, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);

    const outside = await fetch(link, { headers: { range: `bytes=${stored.length}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${stored.length}`);
    expect(await outside.json()).toEqual({
      error: {
        message: `Range bytes=${stored.length}- is outside the ${stored.length}-byte object.`,
        type: 'invalid_request_error',
        param: 'range',
        code: 'range_not_satisfiable',
      },
    });

    const head = await fetch(link, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(stored.length));

    const missing = await fetch(`${gw.baseUrl}/media/${'ab/ab'}${'0'.repeat(62)}.png`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('media_not_found');
  });

  it("serves a video's content and thumbnail from the bucket; DELETE removes both objects", async () => {
    const video = await finishedVideo(gw, 'a lighthouse at dawn');
    const mp4 = await contentOf(gw, video.id);
    expect(mp4Info(mp4)).toMatchObject({ width: 1280, height: 720 });
    const thumbnail = await contentOf(gw, video.id, 'thumbnail');
    expect(await imageInfo(thumbnail)).toMatchObject({ format: 'webp' });

    const videoKey = `${sha256(mp4).slice(0, 2)}/${sha256(mp4)}.mp4`;
    const thumbnailKey = `${sha256(thumbnail).slice(0, 2)}/${sha256(thumbnail)}.webp`;
    const before = await s3.keys();
    expect(before).toEqual(expect.arrayContaining([videoKey, thumbnailKey]));
    expect((await s3.object(videoKey)).equals(mp4)).toBe(true);

    const deleted = await gw.client.videos.delete(video.id);
    expect(deleted).toMatchObject({ id: video.id, deleted: true });
    const after = await s3.keys();
    expect(after).not.toContain(videoKey);
    expect(after).not.toContain(thumbnailKey);
    expect(before.filter((k) => k !== videoKey && k !== thumbnailKey)).toEqual(after);
  });

  it('a new gateway on the same bucket (fresh data dir) serves links made before the restart', async () => {
    const link = await chatImage(gw, 'a blue kite over the hills');
    const before = await download(link);
    const next = await startGateway(s3.env);
    try {
      const again = await download(`${next.baseUrl}${new URL(link).pathname}`);
      expect(again.equals(before)).toBe(true);
    } finally {
      await next.close();
    }
  });

  it('MEDIAGATE_MEDIA_LINKS=redirect answers /media/ with a 302 to a presigned link that yields the same bytes', async () => {
    const link = await chatImage(gw, 'a green kite at dusk');
    const proxied = await download(link);
    const redirecting = await startGateway({ ...s3.env, MEDIAGATE_MEDIA_LINKS: 'redirect' });
    try {
      const path = new URL(link).pathname;
      const answer = await fetch(`${redirecting.baseUrl}${path}`, { redirect: 'manual' });
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.get('location')!);
      expect(location.origin).toBe(s3.endpoint);
      expect(location.pathname).toBe(`/${s3.bucket}/${s3.prefix}/${keyOf(link)}`);
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('3600');
      const followed = await fetch(`${redirecting.baseUrl}${path}`);
      expect(followed.status).toBe(200);
      expect(followed.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await followed.arrayBuffer()).equals(proxied)).toBe(true);

      const missing = await fetch(`${redirecting.baseUrl}/media/ab/ab${'1'.repeat(62)}.png`, { redirect: 'manual' });
      expect(missing.status).toBe(404);
    } finally {
      await redirecting.close();
    }
  });
});

/**
 * Two instances on one PostgreSQL database and one bucket: whichever instance the load balancer picks
 * serves any link. (The SQLite file belongs to one process: nothing to share there.)
 */
describe.skipIf(databaseLabel === 'sqlite')(
  `two instances sharing a bucket (${databaseLabel}; skipped on SQLite: its database file belongs to one process)`,
  { timeout: 180_000 },
  () => {
    let s3: RunningS3;
    let a: RunningGateway;
    let b: RunningGateway;
    beforeAll(async () => {
      s3 = await startS3();
      a = await startGateway(s3.env);
      b = await startGateway({ ...s3.env, DATABASE_URL: a.env.DATABASE_URL, DATABASE_SCHEMA: a.env.DATABASE_SCHEMA });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await s3?.close();
    });

    it("a chat image and a video made on A are served by B: /media/ with ranges, and the video's content", async () => {
      const link = await chatImage(a, 'a yellow kite in the rain');
      const onA = await download(link);
      const onBLink = `${b.baseUrl}${new URL(link).pathname}`;
      expect((await download(onBLink)).equals(onA)).toBe(true);
      const range = await fetch(onBLink, { headers: { range: 'bytes=0-99' } });
      expect(range.status).toBe(206);
      expect(Buffer.from(await range.arrayBuffer()).equals(onA.subarray(0, 100))).toBe(true);

      const video = await finishedVideo(a, 'a harbour at night');
      const fromA = await contentOf(a, video.id);
      const fromB = await contentOf(b, video.id);
      expect(fromB.equals(fromA)).toBe(true);
      expect(mp4Info(fromB)).toMatchObject({ width: 1280, height: 720 });
      expect(await imageInfo(await contentOf(b, video.id, 'thumbnail'))).toMatchObject({ format: 'webp' });
    });
  },
);
