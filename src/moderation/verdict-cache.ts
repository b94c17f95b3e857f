/**
 * Results of model checks by content: a bounded LRU map with in-flight sharing, so identical bytes
 * (the sandbox renders identical prompts identically; resellers resend the same references) are
 * classified once, and concurrent checks of the same content share one run.
 */
export class VerdictCache<T> {
  private readonly done = new Map<string, T>();
  private readonly inflight = new Map<string, Promise<T>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const known = this.done.get(key);
    if (known !== undefined) {
      this.hits++;
      // Re-inserted to mark it recently used.
      this.done.delete(key);
      this.done.set(key, known);
      return known;
    }
    const running = this.inflight.get(key);
    if (running) {
      this.hits++;
      return running;
    }
    this.misses++;
    const promise = compute();
    this.inflight.set(key, promise);
    try {
      const value = await promise;
      if (this.capacity > 0) {
        this.done.set(key, value);
        if (this.done.size > this.capacity) this.done.delete(this.done.keys().next().value as string);
      }
      return value;
    } finally {
      this.inflight.delete(key);
    }
  }
}

/** The content hash in a storage key (`ab/<sha256>.png`), else the key itself. */
export function contentIdOf(key: string): string {
  return /[0-9a-f]{64}/.exec(key)?.[0] ?? key;
}
