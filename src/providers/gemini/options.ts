import { ConfigError } from '../../config/load.js';
import { optionChecks } from '../channel-options.js';

/** Channel `options` this protocol reads (see index.ts for what each one does). */
export interface GeminiOptions {
  imageSize: '1K' | '2K' | '4K';
  responseModalities: ('TEXT' | 'IMAGE')[];
  veoReferenceMode: 'first-frame' | 'asset';
  veoExpectedSeconds: number;
}

const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
const MODALITIES = ['TEXT', 'IMAGE'] as const;
const REFERENCE_MODES = ['first-frame', 'asset'] as const;

const { oneOf } = optionChecks('gemini channel option');

/** Reads and checks the options once, when the channel is built, so a typo stops the start. */
export function readGeminiOptions(options: Readonly<Record<string, unknown>>): GeminiOptions {
  const modalities = options.responseModalities ?? ['IMAGE'];
  if (!Array.isArray(modalities) || !modalities.includes('IMAGE') || modalities.some((m) => !(MODALITIES as readonly unknown[]).includes(m))) {
    throw new ConfigError('gemini channel option "responseModalities" must be ["IMAGE"] or ["TEXT", "IMAGE"].');
  }
  const expected = options.veoExpectedSeconds ?? 60;
  if (typeof expected !== 'number' || !(expected > 0)) throw new ConfigError('gemini channel option "veoExpectedSeconds" must be a positive number.');
  return {
    imageSize: oneOf(options, 'imageSize', IMAGE_SIZES, '2K'),
    responseModalities: modalities as GeminiOptions['responseModalities'],
    veoReferenceMode: oneOf(options, 'veoReferenceMode', REFERENCE_MODES, 'first-frame'),
    veoExpectedSeconds: expected,
  };
}
