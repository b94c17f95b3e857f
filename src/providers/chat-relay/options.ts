import { z } from 'zod';
import { flagOption, oneOfOption, parseChannelOptions, textOption } from '../channel-options.js';

const milliseconds = (fallback: number) =>
  z
    .number({ error: 'must be a positive number of milliseconds.' })
    .positive({ error: 'must be a positive number of milliseconds.' })
    .default(fallback);

/** How one chat-format relay is spoken to, read from the channel's `options`. */
const relayOptionsSchema = z.object({
  label: z
    .unknown()
    .optional()
    .transform((v) => textOption(v) ?? 'Chat relay'),
  /** Ask for `stream: true` (progress as it happens) or a single JSON answer. */
  stream: flagOption(true),
  /** `Authorization: Bearer <key>` or the bare `Authorization: <key>` some relays document (seed 004). */
  authScheme: oneOfOption(['bearer', 'bare'], 'bearer'),
  /** How the aspect ratio is written into the prompt: `横屏`/`竖屏` (seed 003), `16:9`, or not at all. */
  ratioStyle: oneOfOption(['words', 'ratio', 'none'], 'words'),
  /** Whether `duration: N seconds` (seed 004) is written into the prompt. */
  durationStyle: oneOfOption(['directive', 'none'], 'directive'),
  /** Lengths the relay makes (e.g. [10, 15]); requests are snapped to them. Unset: any length. */
  allowedSeconds: z
    .custom<number[]>((v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'number' && s > 0), {
      error: 'must be a list of seconds such as [10, 15].',
    })
    .transform((seconds) => [...seconds].sort((a, b) => a - b))
    .optional(),
  /** Longest the whole answer may take. */
  streamTimeoutMs: milliseconds(30 * 60_000),
  /** Longest silence (no byte at all) before the answer counts as cut off. Relays that answer in one piece are silent for the whole generation (several minutes for video). */
  idleTimeoutMs: milliseconds(10 * 60_000),
});

export type RelayOptions = z.output<typeof relayOptionsSchema>;

export function readRelayOptions(options: Readonly<Record<string, unknown>>): RelayOptions {
  return parseChannelOptions(relayOptionsSchema, options, 'chat-relay option');
}
