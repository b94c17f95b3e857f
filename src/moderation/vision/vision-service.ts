import { OUTPUT_CLASSES } from '../defaults.js';
import { contentIdOf, VerdictCache } from '../verdict-cache.js';
import type { FacesResult, LoadResult, NsfwResult, NsfwScores } from './protocol.js';
import { WorkerPool } from './worker-pool.js';

export interface VisionSettings {
  /** Threads per pool. */
  threads: number;
  timeoutMs: number;
  cacheEntries: number;
  maxPixels: number;
  ffmpegPath: string;
}

/** A Buffer's bytes as a transferable ArrayBuffer of their own (copied only when shared). */
function ownBytes(data: Buffer): Uint8Array {
  if (
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength &&
    !(data.buffer instanceof SharedArrayBuffer)
  )
    return new Uint8Array(data.buffer);
  return new Uint8Array(data);
}

/** Highest score of each class over several frames. */
export function maxScores(frames: NsfwScores[]): NsfwScores {
  const out = Object.fromEntries(OUTPUT_CLASSES.map((c) => [c, 0])) as NsfwScores;
  for (const frame of frames) for (const c of OUTPUT_CLASSES) out[c] = Math.max(out[c], frame[c]);
  return out;
}

/**
 * The main thread's side of the image models: one worker pool for the face detector (stage 1,
 * on the request path) and one for the NSFW classifier (stage 3), so a burst of result reviews
 * never queues in front of a waiting request. Verdicts are cached by content hash.
 */
export class VisionService {
  private readonly facePool: WorkerPool;
  private readonly nsfwPool: WorkerPool;
  private readonly faceCache: VerdictCache<FacesResult>;
  private readonly nsfwCache: VerdictCache<NsfwResult>;

  constructor(private readonly settings: VisionSettings) {
    this.facePool = new WorkerPool({ name: 'face detector', size: settings.threads, timeoutMs: settings.timeoutMs });
    this.nsfwPool = new WorkerPool({
      name: 'output classifier',
      size: settings.threads,
      timeoutMs: settings.timeoutMs,
    });
    this.faceCache = new VerdictCache(settings.cacheEntries);
    this.nsfwCache = new VerdictCache(settings.cacheEntries);
  }

  get cacheStats() {
    return {
      faces: { hits: this.faceCache.hits, misses: this.faceCache.misses },
      nsfw: { hits: this.nsfwCache.hits, misses: this.nsfwCache.misses },
    };
  }

  /** Faces in a stored image; `key` identifies its content. */
  findFaces(key: string, read: () => Promise<Buffer>): Promise<FacesResult> {
    return this.faceCache.get(contentIdOf(key), async () => {
      const image = ownBytes(await read());
      return this.facePool.run<FacesResult>({ type: 'faces', image, maxPixels: this.settings.maxPixels }, [
        image.buffer as ArrayBuffer,
      ]);
    });
  }

  classifyImage(key: string, read: () => Promise<Buffer>): Promise<NsfwResult> {
    return this.nsfwCache.get(`image:${contentIdOf(key)}`, async () => {
      const image = ownBytes(await read());
      return this.nsfwPool.run<NsfwResult>({ type: 'nsfw-image', image, maxPixels: this.settings.maxPixels }, [
        image.buffer as ArrayBuffer,
      ]);
    });
  }

  /** `withFile` lends a local file holding the video for the length of the review; `seconds` spaces the sampled frames. */
  classifyVideo(
    key: string,
    withFile: (use: (path: string) => Promise<NsfwResult>) => Promise<NsfwResult>,
    frames: number,
    seconds: number,
  ): Promise<NsfwResult> {
    return this.nsfwCache.get(`video:${frames}:${contentIdOf(key)}`, () =>
      withFile((path) =>
        this.nsfwPool.run<NsfwResult>({
          type: 'nsfw-video',
          path,
          frames,
          seconds,
          ffmpegPath: this.settings.ffmpegPath,
        }),
      ),
    );
  }

  /** Loads a model now (benchmarks measure load time apart from inference). */
  load(model: 'faces' | 'nsfw'): Promise<LoadResult> {
    return (model === 'faces' ? this.facePool : this.nsfwPool).run<LoadResult>({ type: 'load', model });
  }

  async close(): Promise<void> {
    await Promise.all([this.facePool.close(), this.nsfwPool.close()]);
  }
}
