import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isMediaKey, sha256OfKey } from './keys.js';
import type { S3MediaStore } from './s3-store.js';
import { hashFile } from './spool.js';

export interface CopyReport {
  /** Uploaded now. */
  copied: number;
  /** Already in the bucket with the same size (an earlier, perhaps interrupted, run). */
  present: number;
  /** Files under media/ that are not media keys (temp files of an interrupted write), left alone. */
  ignored: string[];
  /** Media files whose bytes no longer match their name: not uploaded, so a link never serves other bytes. */
  corrupt: string[];
  failed: { key: string; message: string }[];
}

/**
 * Copies a local data dir's `media/` into a bucket under the same keys, so every link handed out
 * before the move keeps working after it. Safe to run again: objects already there are skipped, so an
 * interrupted run resumes where it stopped.
 */
export async function copyLocalMedia(
  mediaDir: string,
  store: S3MediaStore,
  options: { concurrency?: number; onFile?: (done: number, total: number) => void } = {},
): Promise<CopyReport> {
  const report: CopyReport = { copied: 0, present: 0, ignored: [], corrupt: [], failed: [] };
  const entries = await readdir(mediaDir, { recursive: true, withFileTypes: true });
  const keys: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const key = relative(mediaDir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (isMediaKey(key)) keys.push(key);
    else report.ignored.push(key);
  }
  keys.sort();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const path = join(mediaDir, key);
      try {
        if ((await hashFile(path)) !== sha256OfKey(key)) report.corrupt.push(key);
        else report[await store.copyIn(key, path, (await stat(path)).size)]++;
      } catch (err) {
        report.failed.push({ key, message: err instanceof Error ? err.message : String(err) });
      }
      options.onFile?.(++done, keys.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, keys.length) }, worker));
  report.corrupt.sort();
  report.ignored.sort();
  return report;
}
