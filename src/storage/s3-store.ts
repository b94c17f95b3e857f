import { CopiedFiles } from './copied-files.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentTypeForKey, isMediaKey, keyFor } from './keys.js';
import { hashFile, spool } from './spool.js';
import type { ByteRange, MediaStore, ObjectInfo, StoredObject } from './types.js';

/** Keys never change content, so a browser or CDN may keep a copy fetched straight from the bucket for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface S3Location {
  bucket: string;
  /** Empty, or ends with `/`. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → bucket and `some/prefix/`. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`Not an S3 location: ${url} (expected s3://bucket or s3://bucket/prefix)`);
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: match[1], prefix: prefix ? `${prefix}/` : '' };
}

const isNotFound = (err: unknown) =>
  (err as { name?: string }).name === 'NotFound' ||
  (err as { name?: string }).name === 'NoSuchKey' ||
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/** Written and deleted by `check()`; not a media key, so no link can name it. */
const READY_PROBE = '.mediagate-ready-probe';

/**
 * Media in an S3-compatible bucket, under the same content-addressed keys as the local store (so
 * `/media/` links survive a move and every instance serves every link). Credentials, region and
 * endpoint come from the SDK's own sources (AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL_S3,
 * profiles, instance roles); nothing here logs them.
 */
export class S3MediaStore implements MediaStore {
  readonly client: S3Client;
  private readonly copiedFiles = new CopiedFiles();

  constructor(
    private readonly location: S3Location,
    options: { forcePathStyle?: boolean; client?: S3Client } = {},
  ) {
    this.client =
      options.client ??
      new S3Client({
        forcePathStyle: options.forcePathStyle ?? false,
        // The SDK's default aws-chunked uploads with a CRC trailer are stored framing and all by several
        // S3-compatible servers (a 1,000-byte upload became 1,043 bytes); plain uploads work everywhere.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  /** The object name in the bucket. */
  objectKey(key: string): string {
    return `${this.location.prefix}${key}`;
  }

  async put(data: Buffer, contentType: string): Promise<StoredObject> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const key = keyFor(sha256, contentType);
    // No "is it there?" round trip first: rewriting identical bytes is harmless, and new content is the usual case.
    await this.upload(key, data, data.length);
    return { key, contentType, bytes: data.length, sha256 };
  }

  async putStream(stream: Readable, contentType: string, maxBytes: number): Promise<StoredObject> {
    // The key is the content's hash, known only at the end: spool to a temp file, then upload it.
    const temp = tempPath('incoming');
    try {
      const { sha256, bytes } = await spool(stream, temp, maxBytes);
      const key = keyFor(sha256, contentType);
      await this.uploadFileUnlessPresent(key, temp, bytes);
      return { key, contentType, bytes, sha256 };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async putFile(path: string, contentType: string): Promise<StoredObject> {
    const info = await stat(path);
    const known = await this.copiedFiles.known(path, info, contentType, async (key) => (await this.stat(key)) !== null);
    if (known) return known;
    const sha256 = await hashFile(path);
    const key = keyFor(sha256, contentType);
    await this.uploadFileUnlessPresent(key, path, info.size);
    const stored = { key, contentType, bytes: info.size, sha256 };
    this.copiedFiles.remember(path, info, stored);
    return stored;
  }

  /**
   * Uploads a local file under `key` as it is, unless an object of the same size is there already.
   * For moving a local data dir (`mediagate storage copy-local`): the caller has checked the hash.
   */
  copyIn(key: string, path: string, bytes: number): Promise<'copied' | 'present'> {
    return this.uploadFileUnlessPresent(key, path, bytes);
  }

  async read(key: string): Promise<Buffer> {
    const body = await this.openRead(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    if (!isMediaKey(key)) return null;
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }),
      );
      return { bytes: head.ContentLength ?? 0, mtimeMs: head.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    if (!isMediaKey(key)) throw new Error(`Not a media key: ${key}`);
    const answer = await this.client.send(
      new GetObjectCommand({
        Bucket: this.location.bucket,
        Key: this.objectKey(key),
        ...(range && { Range: `bytes=${range.start}-${range.end}` }),
      }),
    );
    // In Node the body is the HTTP response itself, a Readable.
    return answer.Body as Readable;
  }

  async withFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T> {
    const temp = tempPath('copy');
    try {
      await pipeline(await this.openRead(key), createWriteStream(temp));
      return await use(temp);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<string | null> {
    if (!isMediaKey(key)) return null;
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }), {
      expiresIn: expiresInSeconds,
    });
  }

  async remove(key: string): Promise<void> {
    if (!isMediaKey(key)) return;
    this.forgetCopies(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
  }

  /** One cheap request that needs the bucket to exist and the credentials to be accepted. */
  /** A write, a read and a delete of a probe under the prefix: read-only credentials or a wrong policy are not ready. */
  async check(): Promise<void> {
    const Key = this.objectKey(READY_PROBE);
    await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key, Body: 'ok' }));
    await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key }));
  }

  close(): void {
    this.client.destroy();
  }

  private async uploadFileUnlessPresent(key: string, path: string, bytes: number): Promise<'copied' | 'present'> {
    // A video is worth a HEAD to avoid sending it again; same key, same size means the same bytes.
    const there = await this.stat(key);
    if (there && there.bytes === bytes) return 'present';
    await this.upload(key, createReadStream(path), bytes);
    return 'copied';
  }

  private async upload(key: string, body: Buffer | Readable, bytes: number): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.objectKey(key),
        Body: body,
        // A stream body needs its length up front, or the SDK would fall back to chunked encoding.
        ContentLength: bytes,
        ContentType: contentTypeForKey(key),
        CacheControl: IMMUTABLE,
      }),
    );
  }

  private forgetCopies(key: string): void {
    this.copiedFiles.forget(key);
  }
}

const tempPath = (what: string) => join(tmpdir(), `mediagate-s3-${what}-${randomBytes(8).toString('hex')}`);
