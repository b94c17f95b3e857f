import { createHash } from 'node:crypto';
import type { Metrics } from '../metrics/index.js';
import { UpstreamHttp } from './http-client.js';
import type { Provider } from './types.js';

/** A key is known to the rest of the gateway only by this fingerprint, never by its value. */
export const keyFingerprint = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

export interface KeyState {
  id: string;
  /** First and last characters, for operators. */
  masked: string;
  retired: boolean;
  retiredReason?: string;
}

/** The first characters only: a key's tail may be a secret of its own (Kling joins `access:secret`). */
const mask = (key: string) => (key.length <= 8 ? '****' : `${key.slice(0, 4)}…`);

/** The keys of one channel, handed out in turn; a key the upstream refused is taken out of rotation. */
export class KeyRing {
  private readonly entries: { key: string; state: KeyState }[];
  private cursor = 0;

  constructor(keys: readonly string[]) {
    this.entries = keys.map((key) => ({ key, state: { id: keyFingerprint(key), masked: mask(key), retired: false } }));
  }

  /** The next usable key, or undefined when every key has been retired. */
  next(): { id: string; key: string } | undefined {
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[(this.cursor + i) % this.entries.length];
      if (!entry.state.retired) {
        this.cursor = (this.cursor + i + 1) % this.entries.length;
        return { id: entry.state.id, key: entry.key };
      }
    }
    return undefined;
  }

  /** The key with this fingerprint (tasks are polled with the key that created them), retired or not. */
  byId(id: string | null | undefined): { id: string; key: string } | undefined {
    const entry = this.entries.find((e) => e.state.id === id);
    return entry && { id: entry.state.id, key: entry.key };
  }

  retire(id: string, reason: string): KeyState | undefined {
    const entry = this.entries.find((e) => e.state.id === id);
    if (!entry || entry.state.retired) return undefined;
    entry.state.retired = true;
    entry.state.retiredReason = reason;
    return entry.state;
  }

  get states(): readonly KeyState[] {
    return this.entries.map((e) => e.state);
  }

  get usable(): number {
    return this.entries.filter((e) => !e.state.retired).length;
  }
}

export interface ChannelSettings {
  name: string;
  /** Protocol type, e.g. `openai-images`. */
  type: string;
  baseUrl: string;
  keys: readonly string[];
  /** Public model name → upstream model name. */
  models: ReadonlyMap<string, string>;
  priority: number;
  weight: number;
  /** Most jobs holding the channel at once, across every instance on the database. */
  concurrency: number;
  /** Most submissions per API key within the rate window (a minute); absent: no limit. */
  rpm?: number;
  timeoutMs: number;
  /** Steady poll interval, replacing the provider's schedule. */
  pollIntervalMs?: number;
  /** Most status calls per second to this channel; the engine's default when absent. */
  statusCallsPerSecond?: number;
}

/** One ended job on a channel: whether it succeeded, and how long it took from submission. */
export interface ChannelOutcome {
  ok: boolean;
  ms: number;
  /** The job's error code when it failed. */
  code?: string;
  at: number;
}

/** Outcomes kept per channel for the operator's view (success rate, mean latency). */
export const RECENT_OUTCOMES = 100;

/** Consecutive failures after which a channel is passed over for a while. */
const UNHEALTHY_AFTER = 3;
const COOLDOWN_MS = 30_000;

/** One upstream account: a protocol adapter, its keys, the models it serves, and its live state. */
export class Channel {
  readonly keys: KeyRing;
  private inFlight = 0;
  private consecutiveFailures = 0;
  private unhealthyUntil = 0;
  /** The last RECENT_OUTCOMES ended jobs, oldest first (a ring would save nothing at this size). */
  private readonly outcomes: ChannelOutcome[] = [];

  constructor(
    readonly settings: ChannelSettings,
    readonly provider: Provider,
  ) {
    this.keys = new KeyRing(settings.keys);
  }

  get name(): string {
    return this.settings.name;
  }

  get models(): ReadonlyMap<string, string> {
    return this.settings.models;
  }

  /** The channel's HTTP bound to one key; its calls are counted in `metrics` under the channel's name. */
  http(apiKey: string, metrics?: Metrics): UpstreamHttp {
    return new UpstreamHttp({
      baseUrl: this.settings.baseUrl,
      headers: this.provider.authHeaders(apiKey),
      describeError: this.provider.describeError,
      timeoutMs: this.settings.timeoutMs,
      label: this.provider.label,
      ...(metrics && { metrics: { metrics, channel: this.name } }),
    });
  }

  healthy(now = Date.now()): boolean {
    return now >= this.unhealthyUntil && (this.settings.keys.length === 0 || this.keys.usable > 0);
  }

  /** Until when the channel is passed over after consecutive failures (its open circuit); 0 when it is not. */
  get openUntil(): number {
    return this.unhealthyUntil;
  }

  /** Records an ended job for `recentOutcomes`; this process's jobs only. */
  recordOutcome(outcome: ChannelOutcome): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length > RECENT_OUTCOMES) this.outcomes.shift();
  }

  /** The last ended jobs on this channel, oldest first. */
  recentOutcomes(): readonly ChannelOutcome[] {
    return [...this.outcomes];
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.unhealthyUntil = 0;
  }

  recordFailure(now = Date.now()): void {
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= UNHEALTHY_AFTER) this.unhealthyUntil = now + COOLDOWN_MS;
  }

  /**
   * Counts a job of this instance holding one of the channel's slots. The limit itself holds for
   * the whole cluster and is enforced where slots are taken (src/jobs/channel-slots.ts).
   */
  acquire(): void {
    this.inFlight++;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Jobs of this instance holding a slot. */
  get running(): number {
    return this.inFlight;
  }
}
