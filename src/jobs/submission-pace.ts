import type { UpstreamRate } from '../limits/upstream-rate.js';
import type { Channel } from '../providers/channel.js';
import { abortableSleep } from './sleep.js';

/** Resolves when `before` settles or `signal` aborts, whichever comes first. */
function untilSettledOrAborted(before: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void before.then(done);
  });
}

/**
 * Holds submissions to a channel key with an `rpm` setting until the key's window has room: a
 * submission over the limit waits its turn instead of failing. Here, submissions to one key queue
 * behind each other, so only the first asks the database and sleeps until the window frees a
 * place (no herd of waiters polling one row); across instances the database decides.
 */
export class SubmissionPace {
  /** Per key: the promise the next submission waits on. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly rate: UpstreamRate) {}

  /** Resolves true once the submission may go out (and is counted), false when `signal` aborted first. */
  async take(channel: Channel, keyId: string | null, signal: AbortSignal): Promise<boolean> {
    const limit = channel.settings.rpm;
    if (limit === undefined) return true;
    const scope = `${channel.name}:${keyId ?? '-'}`;
    const before = this.tails.get(scope) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    // The next one waits for everyone ahead, even after this one gives up on an abort.
    const tail = before.then(() => mine);
    this.tails.set(scope, tail);
    try {
      await untilSettledOrAborted(before, signal);
      for (;;) {
        if (signal.aborted) return false;
        const waitMs = await this.rate.admit(scope, limit);
        if (waitMs === 0) return true;
        await abortableSleep(waitMs, signal);
      }
    } finally {
      done();
      if (this.tails.get(scope) === tail) this.tails.delete(scope);
    }
  }
}
