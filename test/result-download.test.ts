import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistOutputs } from '../src/jobs/persist-outputs.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { FakeUpstream } from './fakes/fake-upstream.js';
import { fakeVideo } from './fakes/media.js';
import { mp4Info } from './helpers/media.js';

describe('downloading upstream results', () => {
  const api = new FakeUpstream();
  const storage = new FakeUpstream();
  let dir: string;
  let media: LocalMediaStore;
  const limits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 10_000 };

  beforeAll(async () => {
    await api.start();
    await storage.start();
    const video = await fakeVideo(2, 160, 90);
    api.route('GET', '/files/abc:download', () => ({
      status: 302,
      headers: { location: `${storage.url}/signed/abc.mp4?sig=1` },
    }));
    api.route('GET', '/files/same', () => ({ status: 302, headers: { location: '/files/same-bytes' } }));
    api.route('GET', '/files/same-bytes', () => ({
      status: 200,
      body: video,
      headers: { 'content-type': 'video/mp4' },
    }));
    api.route('GET', '/files/gone', () => ({ status: 410, body: 'gone' }));
    api.route('GET', '/files/not-yet', () => ({ status: 404, body: 'not found' }));
    api.route('GET', '/files/busy', () => ({ status: 503, body: 'busy' }));
    api.route('GET', '/files/bad', () => ({ status: 400, body: 'bad request' }));
    storage.route('GET', '/signed/abc.mp4', () => ({
      status: 200,
      body: video,
      headers: { 'content-type': 'video/mp4' },
    }));
    dir = await mkdtemp(join(tmpdir(), 'mediagate-download-'));
    media = new LocalMediaStore(dir);
  });
  afterAll(async () => {
    await api.close();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  const output = (url: string) => ({
    kind: 'video' as const,
    contentType: 'video/mp4',
    source: { type: 'url' as const, url, headers: { 'x-goog-api-key': 'AIza-secret' } },
    seconds: 2,
  });

  it('sends the channel key to the upstream origin but not to the host it redirects to', async () => {
    const [result] = await persistOutputs([output(`${api.url}/files/abc:download`)], media, limits);
    expect(mp4Info(await media.read(result.key)).durationSeconds).toBeCloseTo(2, 1);
    expect(api.matching('GET', /^\/files\/abc:download$/)[0].headers['x-goog-api-key']).toBe('AIza-secret');
    expect(storage.matching('GET', /^\/signed\/abc\.mp4$/)[0].headers['x-goog-api-key']).toBeUndefined();
  });

  it('keeps the key on a redirect within the same origin', async () => {
    await persistOutputs([output(`${api.url}/files/same`)], media, limits);
    expect(api.matching('GET', /^\/files\/same-bytes$/)[0].headers['x-goog-api-key']).toBe('AIza-secret');
  });

  it('reports a link that no longer serves the result as expired', async () => {
    await expect(persistOutputs([output(`${api.url}/files/gone`)], media, limits)).rejects.toMatchObject({
      failure: 'rejected',
      normalised: {
        code: 'result_expired',
        message: "The upstream's result link no longer works (HTTP 410); it has probably expired.",
      },
    });
  });

  it('retries a 404 on a link the upstream says is still valid, and fails at once on one past its expiry', async () => {
    const at = (expiresAt: number) => ({ ...output(`${api.url}/files/not-yet`), expiresAt });
    await expect(persistOutputs([at(Date.now() + 60_000)], media, limits)).rejects.toMatchObject({
      failure: 'not_accepted',
      normalised: { code: 'result_download_failed', message: 'The result download failed with HTTP 404.' },
    });
    await expect(persistOutputs([at(Date.now() - 1)], media, limits)).rejects.toMatchObject({
      failure: 'rejected',
      normalised: { code: 'result_expired' },
    });
  });

  it('reads the expiry of a signed link from its query string', async () => {
    const signedAt = new Date(Date.now() - 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const valid = `${api.url}/files/not-yet?X-Amz-Date=${signedAt}&X-Amz-Expires=3600&X-Amz-Signature=abc`;
    const expired = `${api.url}/files/not-yet?Expires=${Math.floor(Date.now() / 1000) - 10}&Signature=abc`;
    await expect(persistOutputs([output(valid)], media, limits)).rejects.toMatchObject({ failure: 'not_accepted' });
    await expect(persistOutputs([output(expired)], media, limits)).rejects.toMatchObject({
      failure: 'rejected',
      normalised: { code: 'result_expired' },
    });
  });

  it('retries a 5xx and fails at once on any other 4xx', async () => {
    await expect(persistOutputs([output(`${api.url}/files/busy`)], media, limits)).rejects.toMatchObject({
      failure: 'not_accepted',
      details: { status: 503 },
    });
    await expect(persistOutputs([output(`${api.url}/files/bad`)], media, limits)).rejects.toMatchObject({
      failure: 'rejected',
      normalised: { code: 'result_download_failed', message: 'The result download failed with HTTP 400.' },
    });
  });

  it('refuses a result over the size limit without keeping any of it', async () => {
    await expect(
      persistOutputs([output(`${api.url}/files/same`)], media, { ...limits, maxBytes: 1000 }),
    ).rejects.toMatchObject({
      normalised: { code: 'result_too_large' },
    });
  });
});
