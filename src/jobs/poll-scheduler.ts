/** The time source of a scheduler: the process's clock, or a fake one in tests. */
export interface SchedulerClock {
  now(): number;
  setTimer(fire: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (fire, ms) => setTimeout(fire, ms),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

interface Waiter {
  due: number;
  /** Insertion order: waiters due at the same moment wake in the order they asked. */
  seq: number;
  wake: () => void;
  settled: boolean;
}

const earlier = (a: Waiter, b: Waiter) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/**
 * Every job's wait for its next status call, on one timer. Thousands of per-job `setTimeout`s each
 * cost a timer object, a closure and a wake-up of their own; here the waits sit in a min-heap of
 * due times and a single timer is armed for the earliest, waking every job due by then together.
 * An aborted wait resolves at once; its heap entry is dropped when it surfaces.
 */
export class PollScheduler {
  private readonly heap: Waiter[] = [];
  private seq = 0;
  private timer: unknown;
  private timerDue = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: SchedulerClock = systemClock) {}

  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        due: this.clock.now() + ms,
        seq: this.seq++,
        settled: false,
        wake: () => {
          if (waiter.settled) return;
          waiter.settled = true;
          signal.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      signal.addEventListener('abort', waiter.wake, { once: true });
      this.push(waiter);
      if (waiter.due < this.timerDue) this.arm();
    });
  }

  /** Waits not yet woken (aborted ones included until they surface). */
  get pending(): number {
    return this.heap.length;
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
    const next = this.heap[0];
    if (!next) return;
    this.timerDue = next.due;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, next.due - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const due: Waiter[] = [];
    while (this.heap.length > 0 && this.heap[0].due <= now) due.push(this.pop());
    this.arm();
    for (const waiter of due) waiter.wake();
  }

  private push(waiter: Waiter): void {
    const heap = this.heap;
    heap.push(waiter);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): Waiter {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Waiter;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && earlier(heap[l], heap[m])) m = l;
        if (r < heap.length && earlier(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}
