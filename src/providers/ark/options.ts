import { z } from 'zod';
import { flagOption, numberOption, oneOfOption, parseChannelOptions } from '../channel-options.js';

/** The image API a model speaks; endpoint ids (`ep-…`) say nothing, so a channel may name it. */
export type ImageFamily = 'seedream4' | 'seedream3' | 'seededit';

const between = (min: number, max: number) => numberOption(min, max, `a number from ${min} to ${max}.`).optional();

/** Channel `options` for the `ark` protocol, checked once when the channel is built (see index.ts). */
const arkOptionsSchema = z.object({
  watermark: flagOption(false),
  responseFormat: oneOfOption(['b64_json', 'url'], 'b64_json'),
  guidanceScale: between(1, 10),
  imageFamily: z
    .enum(['seedream4', 'seedream3', 'seededit'], { error: 'must be one of seedream4, seedream3, seededit.' })
    .optional(),
  parameterStyle: oneOfOption(['fields', 'text-flags'], 'fields'),
  firstFrameRatio: oneOfOption(['requested', 'adaptive'], 'requested'),
  /** How long a Seedance task usually runs, for the progress estimate (Ark reports none). */
  typicalRunSeconds: between(0.1, 3600),
});

export type ArkOptions = z.output<typeof arkOptionsSchema>;

export function readArkOptions(options: Readonly<Record<string, unknown>>): ArkOptions {
  return parseChannelOptions(arkOptionsSchema, options, 'ark channel option');
}

/** Which image API an upstream model speaks, from its name unless the channel says. */
export function imageFamilyOf(model: string, options: ArkOptions): ImageFamily {
  if (options.imageFamily) return options.imageFamily;
  if (model.includes('seededit')) return 'seededit';
  if (/seedream-3/.test(model)) return 'seedream3';
  return 'seedream4';
}
