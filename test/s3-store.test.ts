import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createMediaStore } from '../src/storage/create-store.js';
import { LocalMediaStore, ObjectTooLargeError } from '../src/storage/index.js';
import { S3MediaStore } from '../src/storage/s3-store.js';
import { type RunningS3, startS3 } from './helpers/s3.js';

/** A stream in chunks, as an upstream download arrives. */
const chunked = (data: Buffer, size = 100) =>
  Readable.from(
    Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)),
  );

const bytesOf = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('S3MediaStore against s3rver', () => {
  let s3: RunningS3;
  let store: S3MediaStore;
  beforeAll(async () => {
    s3 = await startS3();
    store = new S3MediaStore({ bucket: s3.bucket, prefix: `${s3.prefix}/` }, { forcePathStyle: true });
  });
  afterAll(async () => {
    store?.close();
    await s3?.close();
  });

  it('stores a streamed upload byte for byte (no checksum framing), with ranges and stat', async () => {
    const data = randomBytes(1000);
    const stored = await store.putStream(chunked(data), 'video/mp4', 10_000);
    expect(stored).toMatchObject({ contentType: 'video/mp4', bytes: 1000 });
    expect(stored.key).toBe(`${stored.sha256.slice(0, 2)}/${stored.sha256}.mp4`);
    expect((await s3.object(stored.key)).equals(data)).toBe(true);
    expect(await store.stat(stored.key)).toMatchObject({ bytes: 1000 });
    expect(
      (await bytesOf(await store.openRead(stored.key, { start: 10, end: 19 }))).equals(data.subarray(10, 20)),
    ).toBe(true);
    expect((await store.read(stored.key)).equals(data)).toBe(true);
  });

  it('refuses a stream past maxBytes and leaves nothing in the bucket', async () => {
    const before = await s3.keys();
    await expect(store.putStream(chunked(randomBytes(5000)), 'video/mp4', 4096)).rejects.toBeInstanceOf(
      ObjectTooLargeError,
    );
    expect(await s3.keys()).toEqual(before);
  });

  it('lends a temporary file for a tool and removes it afterwards; remove deletes the object', async () => {
    const data = randomBytes(2048);
    const stored = await store.put(data, 'image/png');
    let lent = '';
    const copy = await store.withFile(stored.key, async (path) => {
      lent = path;
      return readFile(path);
    });
    expect(copy.equals(data)).toBe(true);
    expect(existsSync(lent)).toBe(false);

    await store.remove(stored.key);
    expect(await store.stat(stored.key)).toBeNull();
    expect(await s3.keys()).not.toContain(stored.key);
    expect(await store.stat('../not-a-key')).toBeNull();
  });

  it('check() passes on the bucket and fails on a missing one', async () => {
    await expect(store.check()).resolves.toBeUndefined();
    const missing = new S3MediaStore({ bucket: 'no-such-bucket', prefix: '' }, { forcePathStyle: true });
    await expect(missing.check()).rejects.toThrow();
    missing.close();
  });
});

describe('choosing the store from the configuration', () => {
  it('reads MEDIAGATE_STORAGE, MEDIAGATE_S3_FORCE_PATH_STYLE and MEDIAGATE_MEDIA_LINKS; local stays the default', () => {
    const bucket = loadConfig({
      MEDIAGATE_STORAGE: 's3://media-bucket/a/b/',
      MEDIAGATE_S3_FORCE_PATH_STYLE: '1',
      MEDIAGATE_MEDIA_LINKS: 'redirect',
    });
    expect(bucket.storage).toEqual({ url: 's3://media-bucket/a/b/', forcePathStyle: true, mediaLinks: 'redirect' });
    const store = createMediaStore(bucket.storage, '/unused');
    expect(store).toBeInstanceOf(S3MediaStore);
    expect((store as S3MediaStore).objectKey('ab/ab.png')).toBe('a/b/ab/ab.png');
    (store as S3MediaStore).close();
    const local = loadConfig({});
    expect(local.storage).toEqual({ forcePathStyle: false, mediaLinks: 'proxy' });
    expect(createMediaStore(local.storage, '/data')).toBeInstanceOf(LocalMediaStore);
  });

  it('refuses a malformed location, and redirect links without a bucket, naming what to set', () => {
    expect(() => loadConfig({ MEDIAGATE_STORAGE: 'https://bucket' })).toThrow(
      'storage.url: an S3 location such as s3://bucket/prefix',
    );
    expect(() => loadConfig({ MEDIAGATE_MEDIA_LINKS: 'sometimes' })).toThrow('storage.mediaLinks');
    expect(() => createMediaStore(loadConfig({ MEDIAGATE_MEDIA_LINKS: 'redirect' }).storage, '/data')).toThrow(
      'MEDIAGATE_MEDIA_LINKS=redirect needs a bucket (MEDIAGATE_STORAGE=s3://…)',
    );
  });
});
