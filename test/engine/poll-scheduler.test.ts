import { describe, expect, it } from 'vitest';
import { adaptivePollDelay, NEAR_END_MS, SPARSE_MAX_MS } from '../../src/jobs/adaptive-poll.js';
import { PollScheduler, type SchedulerClock } from '../../src/jobs/poll-scheduler.js';
import { StatusPacer } from '../../src/jobs/status-pacer.js';
import { TaskDurations } from '../../src/jobs/task-durations.js';

/** A clock that moves only when told, and counts the timers armed on it. */
class FakeClock implements SchedulerClock {
  time = 0;
  private timers = new Map<number, { at: number; fire: () => void }>();
  private nextId = 1;
  armed = 0;

  now = () => this.time;
  setTimer = (fire: () => void, ms: number) => {
    this.armed++;
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fire });
    return id;
  };
  clearTimer = (id: unknown) => void this.timers.delete(id as number);

  get live(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing timers in order, and lets the woken promises run. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > until) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fire();
      await new Promise((r) => setImmediate(r));
    }
    this.time = until;
    await new Promise((r) => setImmediate(r));
  }
}

describe('PollScheduler: every wait on one timer', () => {
  it('wakes waits in due order, all due at once together, with never more than one timer armed', async () => {
    const clock = new FakeClock();
    const scheduler = new PollScheduler(clock);
    const woke: string[] = [];
    const never = new AbortController().signal;
    const waits = [
      scheduler.wait(300, never).then(() => woke.push(`c@${clock.time}`)),
      scheduler.wait(100, never).then(() => woke.push(`a@${clock.time}`)),
      scheduler.wait(200, never).then(() => woke.push(`b1@${clock.time}`)),
      scheduler.wait(200, never).then(() => woke.push(`b2@${clock.time}`)),
    ];
    expect(clock.live).toBe(1);
    await clock.advance(150);
    expect(woke).toEqual(['a@100']);
    expect(clock.live).toBe(1);
    await clock.advance(1_000);
    await Promise.all(waits);
    expect(woke).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.live).toBe(0);
    // Armed for 300, again for the earlier 100, then 200 and 300: once per distinct due time plus
    // once for a wait earlier than all others, never for a later one.
    expect(clock.armed).toBe(4);
    expect(scheduler.pending).toBe(0);
  });

  it('an abort ends the wait at once and the others keep their time', async () => {
    const clock = new FakeClock();
    const scheduler = new PollScheduler(clock);
    const stop = new AbortController();
    const woke: string[] = [];
    const aborted = scheduler.wait(5_000, stop.signal).then(() => woke.push(`aborted@${clock.time}`));
    const kept = scheduler.wait(1_000, new AbortController().signal).then(() => woke.push(`kept@${clock.time}`));
    await clock.advance(10);
    stop.abort();
    await aborted;
    expect(woke).toEqual(['aborted@10']);
    await clock.advance(2_000);
    await kept;
    expect(woke).toEqual(['aborted@10', 'kept@1000']);
    // A wait asked for with an aborted signal, or for no time, does not wait.
    await scheduler.wait(1_000, stop.signal);
    await scheduler.wait(0, new AbortController().signal);
  });
});

describe('adaptive poll intervals', () => {
  const learned = () => {
    const durations = new TaskDurations();
    for (const ms of [58_000, 59_000, 60_000, 60_500, 61_000, 62_000]) durations.record('c\0m', ms);
    return durations;
  };

  it('learns nothing from fewer than five tasks, then the 10th and 90th percentiles of the recent ones', () => {
    const durations = new TaskDurations();
    for (const ms of [60_000, 61_000, 59_000, 62_000]) durations.record('c\0m', ms);
    expect(durations.expected('c\0m')).toBeUndefined();
    durations.record('c\0m', 58_000);
    expect(durations.expected('c\0m')).toEqual({ earliestMs: 58_000, latestMs: 62_000 });
    expect(durations.expected('other\0m')).toBeUndefined();
  });

  it("knowing nothing (no history, no progress) keeps the provider's schedule", () => {
    expect(adaptivePollDelay({ elapsedMs: 10_000, scheduledMs: 3_500 })).toBe(3_500);
    // Too little progress to extrapolate from.
    expect(adaptivePollDelay({ elapsedMs: 1_000, scheduledMs: 3_500, progress: 2 })).toBe(3_500);
  });

  it('polls sparsely early, every second around the expected end, and backs off to the schedule past it', () => {
    const expected = learned().expected('c\0m');
    const delay = (elapsedMs: number) => adaptivePollDelay({ elapsedMs, scheduledMs: 3_500, expected });
    expect(delay(0)).toBe(SPARSE_MAX_MS);
    expect(delay(49_000)).toBe(4_000); // half of the 8 s left before the dense window (from 57 s)
    expect(delay(56_000)).toBe(NEAR_END_MS);
    expect(delay(57_000)).toBe(NEAR_END_MS);
    expect(delay(63_000)).toBe(NEAR_END_MS);
    expect(delay(71_000)).toBe(3_000); // 8 s past the window: 1 s + 8 s / 4
    expect(delay(600_000)).toBe(3_500);
  });

  it('without history, extrapolates the end from the upstream progress', () => {
    // 50 % after 30 s: about 60 s in all, dense from 50 s (−15 %, −1 s).
    expect(adaptivePollDelay({ elapsedMs: 30_000, scheduledMs: 3_500, progress: 50 })).toBe(SPARSE_MAX_MS);
    expect(adaptivePollDelay({ elapsedMs: 46_000, scheduledMs: 3_500, progress: 80 })).toBe(NEAR_END_MS);
  });

  it('on a simulated 60 s task: the finish is noticed within a second, with far fewer calls than every 3.5 s', () => {
    const expected = learned().expected('c\0m');
    for (const finishMs of [57_500, 60_000, 62_900]) {
      let elapsed = 3_000;
      let calls = 1;
      while (elapsed < finishMs) {
        elapsed += adaptivePollDelay({ elapsedMs: elapsed, scheduledMs: 3_500, expected });
        calls++;
      }
      expect(elapsed - finishMs).toBeLessThanOrEqual(NEAR_END_MS);
      expect(calls).toBeLessThan(60_000 / 3_500);
    }
  });
});

describe('StatusPacer: a bounded status-call rate per channel', () => {
  it("lets one second's calls through at once, then spaces the rest at the rate; channels are apart", () => {
    const pacer = new StatusPacer();
    const slots = Array.from({ length: 12 }, () => pacer.book('a', 1_000, 10));
    expect(slots.slice(0, 10)).toEqual(Array(10).fill(1_000));
    expect(slots.slice(10)).toEqual([1_100, 1_200]);
    expect(pacer.book('b', 1_000, 10)).toBe(1_000);
    // Long after, the channel is free again.
    expect(pacer.book('a', 60_000, 10)).toBe(60_000);
  });
});
