import { textOption } from '../channel-options.js';
import { DEFAULT_TEXT_MODEL } from './models.js';

export interface KlingOptions {
  mode: 'std' | 'pro';
  cfgScale?: number;
  textModel: string;
}

/** Channel `options` for Kling (see index.ts); unusable values fall back to the defaults. */
export function readKlingOptions(options: Readonly<Record<string, unknown>>): KlingOptions {
  const cfg = options.cfg_scale;
  return {
    mode: options.mode === 'pro' ? 'pro' : 'std',
    ...(typeof cfg === 'number' && cfg >= 0 && cfg <= 1 && { cfgScale: cfg }),
    textModel: textOption(options.text_model) ?? DEFAULT_TEXT_MODEL,
  };
}
