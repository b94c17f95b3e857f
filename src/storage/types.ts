import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Storage key, also the path under `/media/`, e.g. `ab/abcdef….png`. */
  key: string;
  contentType: string;
  bytes: number;
  /** Strong validator: hex SHA-256 of the content. */
  sha256: string;
}

/** Where results and reference images live. Keys are content-addressed, so identical bytes share a file. */
export interface MediaStore {
  put(data: Buffer, contentType: string): Promise<StoredObject>;
  /** Streams data in without buffering it whole; aborts (and leaves nothing behind) past `maxBytes`. */
  putStream(stream: Readable, contentType: string, maxBytes: number): Promise<StoredObject>;
  /** Copies a local file in. */
  putFile(path: string, contentType: string): Promise<StoredObject>;
  read(key: string): Promise<Buffer>;
  /** Absolute path of the stored file, or null when absent. */
  locate(key: string): Promise<{ path: string; bytes: number; mtimeMs: number } | null>;
  remove(key: string): Promise<void>;
  /** Throws when the store cannot be written and read now (readiness: `GET /health/ready`). */
  check(): Promise<void>;
}
