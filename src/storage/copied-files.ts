import type { Stats } from 'node:fs';
import type { StoredObject } from './types.js';

const REMEMBERED = 1_000;

/**
 * Files already copied into a store, by path, size and mtime: identical renders (the sandbox's
 * cache) are not read and hashed again. Oldest forgotten first; the caller says whether the stored
 * object is still there.
 */
export class CopiedFiles {
  private readonly copies = new Map<string, { size: number; mtimeMs: number; stored: StoredObject }>();

  /** The object this file was stored as, when the file has not changed since and `present` confirms it. */
  async known(
    path: string,
    info: Stats,
    contentType: string,
    present: (key: string) => Promise<boolean>,
  ): Promise<StoredObject | undefined> {
    const known = this.copies.get(path);
    if (
      known &&
      known.size === info.size &&
      known.mtimeMs === info.mtimeMs &&
      known.stored.contentType === contentType &&
      (await present(known.stored.key))
    )
      return known.stored;
    return undefined;
  }

  remember(path: string, info: Stats, stored: StoredObject): void {
    if (this.copies.size >= REMEMBERED) this.copies.delete(this.copies.keys().next().value!);
    this.copies.set(path, { size: info.size, mtimeMs: info.mtimeMs, stored });
  }

  /** Forgets the copies stored under `key` (the object was removed). */
  forget(key: string): void {
    for (const [path, copy] of this.copies) if (copy.stored.key === key) this.copies.delete(path);
  }
}
