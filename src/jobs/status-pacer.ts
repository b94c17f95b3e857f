/** Status calls a channel gets per second when it sets no rate of its own. */
export const DEFAULT_STATUS_CALLS_PER_SECOND = 1_000;
/** Calls a channel may make at once above its steady rate (one second's worth). */
const BURST_SECONDS = 1;

/**
 * Bounds the status calls this process makes to one channel (generic cell rate algorithm: each
 * call books the next slot of the channel's rate, a burst of one second's calls may go early). A
 * poll due at `due` is moved to the first slot free at or after it, so 10,000 jobs that all want a
 * poll in the same second are spread over the seconds the channel's rate allows instead of
 * reaching the upstream together.
 */
export class StatusPacer {
  /** Per channel: when the next call would be on schedule (theoretical arrival time). */
  private readonly next = new Map<string, number>();

  /** The time the call wanted at `due` may go, booked for it. */
  book(channel: string, due: number, perSecond = DEFAULT_STATUS_CALLS_PER_SECOND): number {
    const interval = 1000 / perSecond;
    const tolerance = interval * perSecond * BURST_SECONDS - interval;
    const tat = Math.max(this.next.get(channel) ?? due, due);
    const at = Math.max(due, tat - tolerance);
    this.next.set(channel, Math.max(tat, at) + interval);
    return at;
  }
}
