import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Renders keyed by what determines their content: the same request renders once, concurrent
 * identical renders share one run. Lets benchmarks measure the gateway rather than ffmpeg.
 */
export class RenderCache {
  private readonly inflight = new Map<string, Promise<string>>();
  /** Renders actually performed (cache misses). */
  renders = 0;

  constructor(private readonly dir: string) {}

  static keyOf(parts: unknown): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  /** Resolves once every render under way has ended (shutdown: nothing writes into the data dir after). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
  }

  /** Path of the cached file for `key`, rendering it with `render(tempPath)` when absent. */
  async get(key: string, ext: string, render: (tempPath: string) => Promise<void>): Promise<string> {
    const path = join(this.dir, `${key}.${ext}`);
    const pending = this.inflight.get(path);
    if (pending) return pending;
    const job = (async () => {
      if (
        await stat(path).then(
          () => true,
          () => false,
        )
      )
        return path;
      await mkdir(this.dir, { recursive: true });
      const temp = join(this.dir, `.tmp-${randomBytes(6).toString('hex')}.${ext}`);
      this.renders++;
      // A failed render leaves no half-written file behind in the cache directory.
      await render(temp).catch(async (err) => {
        await rm(temp, { force: true });
        throw err;
      });
      await rename(temp, path);
      return path;
    })();
    this.inflight.set(path, job);
    try {
      return await job;
    } finally {
      this.inflight.delete(path);
    }
  }
}
