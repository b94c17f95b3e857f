import { z } from 'zod';
import { oneOfOption, parseChannelOptions } from '../channel-options.js';

/** Channel `options` this protocol reads (see index.ts for what each one does). */
const geminiOptionsSchema = z.object({
  imageSize: oneOfOption(['1K', '2K', '4K'], '2K'),
  responseModalities: z
    .custom<('TEXT' | 'IMAGE')[]>(
      (v) => Array.isArray(v) && v.includes('IMAGE') && v.every((m) => m === 'TEXT' || m === 'IMAGE'),
      {
        error: 'must be ["IMAGE"] or ["TEXT", "IMAGE"].',
      },
    )
    .default(['IMAGE']),
  veoReferenceMode: oneOfOption(['first-frame', 'asset'], 'first-frame'),
  veoExpectedSeconds: z
    .number({ error: 'must be a positive number.' })
    .positive({ error: 'must be a positive number.' })
    .default(60),
});

export type GeminiOptions = z.output<typeof geminiOptionsSchema>;

/** Reads and checks the options once, when the channel is built, so a typo stops the start. */
export function readGeminiOptions(options: Readonly<Record<string, unknown>>): GeminiOptions {
  return parseChannelOptions(geminiOptionsSchema, options, 'gemini channel option');
}
