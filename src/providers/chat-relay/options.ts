import { ConfigError } from '../../config/load.js';

/** How one chat-format relay is spoken to, read from the channel's `options`. */
export interface RelayOptions {
  label: string;
  /** Ask for `stream: true` (progress as it happens) or a single JSON answer. */
  stream: boolean;
  /** `Authorization: Bearer <key>` or the bare `Authorization: <key>` some relays document (seed 004). */
  authScheme: 'bearer' | 'bare';
  /** How the aspect ratio is written into the prompt: `横屏`/`竖屏` (seed 003), `16:9`, or not at all. */
  ratioStyle: 'words' | 'ratio' | 'none';
  /** Whether `duration: N seconds` (seed 004) is written into the prompt. */
  durationStyle: 'directive' | 'none';
  /** Lengths the relay makes (e.g. [10, 15]); requests are snapped to them. Unset: any length. */
  allowedSeconds?: number[];
  /** Longest the whole answer may take. */
  streamTimeoutMs: number;
  /** Longest silence (no byte at all) before the answer counts as cut off. */
  idleTimeoutMs: number;
}

function oneOf<T extends string>(options: Readonly<Record<string, unknown>>, name: string, values: readonly T[], fallback: T): T {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`chat-relay option "${name}" must be one of ${values.join(', ')}.`);
}

function positive(options: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new ConfigError(`chat-relay option "${name}" must be a positive number of milliseconds.`);
}

export function readRelayOptions(options: Readonly<Record<string, unknown>>): RelayOptions {
  const allowed = options.allowedSeconds;
  if (allowed !== undefined && !(Array.isArray(allowed) && allowed.length > 0 && allowed.every((v) => typeof v === 'number' && v > 0))) {
    throw new ConfigError('chat-relay option "allowedSeconds" must be a list of seconds such as [10, 15].');
  }
  if (options.stream !== undefined && typeof options.stream !== 'boolean') throw new ConfigError('chat-relay option "stream" must be true or false.');
  return {
    label: typeof options.label === 'string' && options.label.trim() ? options.label.trim() : 'Chat relay',
    stream: options.stream !== false,
    authScheme: oneOf(options, 'authScheme', ['bearer', 'bare'], 'bearer'),
    ratioStyle: oneOf(options, 'ratioStyle', ['words', 'ratio', 'none'], 'words'),
    durationStyle: oneOf(options, 'durationStyle', ['directive', 'none'], 'directive'),
    ...(allowed !== undefined && { allowedSeconds: [...(allowed as number[])].sort((a, b) => a - b) }),
    streamTimeoutMs: positive(options, 'streamTimeoutMs', 30 * 60_000),
    // Relays that answer in one piece are silent for the whole generation (several minutes for video).
    idleTimeoutMs: positive(options, 'idleTimeoutMs', 10 * 60_000),
  };
}
