import { ConfigError } from '../../config/load.js';
import { optionChecks, textOption } from '../channel-options.js';

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

const { oneOf, flag } = optionChecks('chat-relay option');

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
  return {
    label: textOption(options.label) ?? 'Chat relay',
    stream: flag(options, 'stream', true),
    authScheme: oneOf(options, 'authScheme', ['bearer', 'bare'], 'bearer'),
    ratioStyle: oneOf(options, 'ratioStyle', ['words', 'ratio', 'none'], 'words'),
    durationStyle: oneOf(options, 'durationStyle', ['directive', 'none'], 'directive'),
    ...(allowed !== undefined && { allowedSeconds: [...(allowed as number[])].sort((a, b) => a - b) }),
    streamTimeoutMs: positive(options, 'streamTimeoutMs', 30 * 60_000),
    // Relays that answer in one piece are silent for the whole generation (several minutes for video).
    idleTimeoutMs: positive(options, 'idleTimeoutMs', 10 * 60_000),
  };
}
