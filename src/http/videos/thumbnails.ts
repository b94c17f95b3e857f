import { spawn } from 'node:child_process';
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import type { DatabaseSchema } from '../../db/schema.js';
import type { MediaStore } from '../../storage/types.js';

/** Largest frame ffmpeg may hand back (a raw PNG of a 4K frame is well under this). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const FFMPEG_TIMEOUT_MS = 30_000;

/** One frame of a video as PNG, `atSeconds` in. */
function extractFrame(ffmpegPath: string, videoPath: string, atSeconds: number): Promise<Buffer> {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-ss',
    atSeconds.toFixed(2),
    '-i',
    videoPath,
    '-frames:v',
    '1',
    '-f',
    'image2pipe',
    '-c:v',
    'png',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: FFMPEG_TIMEOUT_MS });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_FRAME_BYTES) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && bytes > 0 && bytes <= MAX_FRAME_BYTES) resolve(Buffer.concat(chunks));
      else reject(new Error(`ffmpeg could not extract a frame (exit ${code}): ${stderr.trim()}`));
    });
  });
}

/**
 * WebP thumbnails of stored videos, made with ffmpeg on first request and kept in storage. They
 * are recorded by the video's storage key: identical videos (content-addressed) share one.
 */
export class VideoThumbnails {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly media: MediaStore,
    private readonly ffmpegPath: string,
  ) {}

  /** Storage key of the thumbnail of the video stored under `videoKey`. */
  async thumbnailOf(videoKey: string, seconds: number | undefined): Promise<string> {
    const row = await this.db
      .selectFrom('media_thumbnails')
      .select('thumbnail_key')
      .where('video_key', '=', videoKey)
      .executeTakeFirst();
    if (row && (await this.media.stat(row.thumbnail_key))) return row.thumbnail_key;
    const pending = this.inflight.get(videoKey);
    if (pending) return pending;
    const making = this.make(videoKey, seconds).finally(() => this.inflight.delete(videoKey));
    this.inflight.set(videoKey, making);
    return making;
  }

  /** Drops the record of a video's thumbnail; returns the thumbnail's key so the caller can remove it. */
  async forget(videoKey: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('media_thumbnails')
      .select('thumbnail_key')
      .where('video_key', '=', videoKey)
      .executeTakeFirst();
    if (!row) return null;
    await this.db.deleteFrom('media_thumbnails').where('video_key', '=', videoKey).execute();
    return row.thumbnail_key;
  }

  private async make(videoKey: string, seconds: number | undefined): Promise<string> {
    if (!(await this.media.stat(videoKey))) throw new Error(`video ${videoKey} is not in storage`);
    // A frame from the first second, once motion has started: more telling than frame 0.
    const at = seconds ? Math.min(1, seconds / 2) : 0;
    const frame = await this.media.withFile(videoKey, (path) => extractFrame(this.ffmpegPath, path, at));
    const webp = await sharp(frame).webp({ quality: 80 }).toBuffer();
    const stored = await this.media.put(webp, 'image/webp');
    await this.db
      .insertInto('media_thumbnails')
      .values({ video_key: videoKey, thumbnail_key: stored.key, created_at: Date.now() })
      .onConflict((oc) => oc.column('video_key').doUpdateSet({ thumbnail_key: stored.key }))
      .execute();
    return stored.key;
  }
}
