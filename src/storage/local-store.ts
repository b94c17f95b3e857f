import { CopiedFiles } from './copied-files.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { isMediaKey, keyFor } from './keys.js';
import { spool } from './spool.js';
import type { ByteRange, MediaStore, ObjectInfo, StoredObject } from './types.js';

const WRITTEN_KEYS_REMEMBERED = 10_000;

/**
 * Media on the local disk, content-addressed: identical bytes share one file, and a key (the SHA-256)
 * is an unguessable, immutable name that can be cached forever. Writes go to a temp file and are
 * renamed into place, so a reader never sees half a file.
 */
export class LocalMediaStore implements MediaStore {
  /** Directories known to exist, so a hot path does not ask the file system again. */
  private readonly madeDirs = new Set<string>();
  /** Files already copied in, by path, size and mtime: identical renders are not re-read and re-hashed. */
  private readonly copiedFiles = new CopiedFiles();

  /** Keys this process stored and has not removed since, oldest first. */
  private readonly writtenKeys = new Set<string>();

  constructor(private readonly root: string) {}

  async put(data: Buffer, contentType: string): Promise<StoredObject> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const key = keyFor(sha256, contentType);
    // No "is it there already?" stat: renaming identical bytes over an existing copy is harmless and
    // atomic, and for new content (the usual case) the stat is a wasted round trip. Bytes this
    // process wrote lately (repeated renders) are not written again.
    if (!this.writtenKeys.has(key)) {
      const path = join(this.root, key);
      const temp = await this.tempPath(path);
      await writeFile(temp, data);
      await rename(temp, path);
      this.rememberWritten(key);
    }
    return { key, contentType, bytes: data.length, sha256 };
  }

  async putStream(stream: Readable, contentType: string, maxBytes: number): Promise<StoredObject> {
    const temp = await this.tempPath(join(this.root, 'incoming'));
    const { sha256, bytes } = await spool(stream, temp, maxBytes);
    const key = keyFor(sha256, contentType);
    const path = join(this.root, key);
    await this.ensureDir(dirname(path));
    if (await exists(path)) await rm(temp, { force: true });
    else await rename(temp, path);
    return { key, contentType, bytes, sha256 };
  }

  async putFile(path: string, contentType: string): Promise<StoredObject> {
    const info = await stat(path);
    const known = await this.copiedFiles.known(path, info, contentType, (key) => exists(join(this.root, key)));
    if (known) return known;
    const stored = await this.putStream(createReadStream(path), contentType, Number.MAX_SAFE_INTEGER);
    this.copiedFiles.remember(path, info, stored);
    return stored;
  }

  async read(key: string): Promise<Buffer> {
    if (!isMediaKey(key)) throw new Error(`Not a media key: ${key}`);
    return readFile(join(this.root, key));
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    if (!isMediaKey(key)) return null;
    try {
      const info = await stat(join(this.root, key));
      return info.isFile() ? { bytes: info.size, mtimeMs: info.mtimeMs } : null;
    } catch {
      return null;
    }
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    if (!isMediaKey(key)) throw new Error(`Not a media key: ${key}`);
    return createReadStream(join(this.root, key), range ?? {});
  }

  /** The stored file itself: no copy. */
  async withFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T> {
    if (!isMediaKey(key)) throw new Error(`Not a media key: ${key}`);
    return use(join(this.root, key));
  }

  async signedUrl(): Promise<string | null> {
    return null;
  }

  async remove(key: string): Promise<void> {
    this.writtenKeys.delete(key);
    if (isMediaKey(key)) await rm(join(this.root, key), { force: true });
  }

  async check(): Promise<void> {
    await this.ensureDir(this.root);
    const probe = await this.tempPath(join(this.root, 'probe'));
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
  }

  close(): void {}

  private rememberWritten(key: string): void {
    if (this.writtenKeys.size >= WRITTEN_KEYS_REMEMBERED)
      this.writtenKeys.delete(this.writtenKeys.values().next().value!);
    this.writtenKeys.add(key);
  }

  private async tempPath(near: string): Promise<string> {
    await this.ensureDir(dirname(near));
    return join(dirname(near), `.tmp-${randomBytes(8).toString('hex')}`);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
