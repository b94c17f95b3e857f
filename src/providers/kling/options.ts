import { z } from 'zod';
import { numberOption, oneOfOption, parseChannelOptions } from '../channel-options.js';
import { DEFAULT_TEXT_MODEL } from './models.js';

const modelName = z.string({ error: 'must be a model name.' }).trim().min(1, { error: 'must be a model name.' });

/** Channel `options` for Kling (documented in index.ts), checked once when the channel is built. */
const klingOptionsSchema = z
  .object({
    mode: oneOfOption(['std', 'pro'], 'std'),
    cfg_scale: numberOption(0, 1, 'a number from 0 to 1.').optional(),
    text_model: modelName.default(DEFAULT_TEXT_MODEL),
  })
  .transform(({ mode, cfg_scale, text_model }) => ({
    mode,
    ...(cfg_scale !== undefined && { cfgScale: cfg_scale }),
    textModel: text_model,
  }));

export type KlingOptions = z.output<typeof klingOptionsSchema>;

export function readKlingOptions(options: Readonly<Record<string, unknown>>): KlingOptions {
  return parseChannelOptions(klingOptionsSchema, options, 'kling channel option');
}
