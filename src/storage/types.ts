import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Storage key, also the path under `/media/`, e.g. `ab/abcdef….png`. */
  key: string;
  contentType: string;
  bytes: number;
  /** Strong validator: hex SHA-256 of the content. */
  sha256: string;
}

/** What a stored object is, without its bytes. */
export interface ObjectInfo {
  bytes: number;
  /** When it was stored (Last-Modified). */
  mtimeMs: number;
}

/** Inclusive byte offsets, as in an HTTP `Range` header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where results and reference images live. Keys are content-addressed, so identical bytes share one
 * object. No caller sees where an object lives (a local file or a bucket): bytes come back as a buffer
 * or a stream, and a tool that can only read files gets a file for the duration of one call.
 */
export interface MediaStore {
  put(data: Buffer, contentType: string): Promise<StoredObject>;
  /** Streams data in without buffering it whole in memory; aborts (and leaves nothing behind) past `maxBytes`. */
  putStream(stream: Readable, contentType: string, maxBytes: number): Promise<StoredObject>;
  /** Copies a local file in. */
  putFile(path: string, contentType: string): Promise<StoredObject>;
  read(key: string): Promise<Buffer>;
  /** Size and age of a stored object, or null when there is none under `key` (or `key` is not a key). */
  stat(key: string): Promise<ObjectInfo | null>;
  /** The object's bytes (or one range of them) as a stream; call after `stat` said it exists. */
  openRead(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Runs `use` with the path of a local file holding the object (ffmpeg reads files). The file exists
   * only until `use` settles: a remote store removes its temporary copy then.
   */
  withFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T>;
  /** A time-limited link straight to the object, for stores that can hand one out; null for the others. */
  signedUrl(key: string, expiresInSeconds: number): Promise<string | null>;
  remove(key: string): Promise<void>;
  /** Throws when the store cannot be used now (readiness: `GET /health/ready`): a probe write locally, HeadBucket for a bucket. */
  check(): Promise<void>;
  /** Lets go of connections (a bucket's keep-alive sockets) once nothing reads or writes any more. */
  close(): void;
}
