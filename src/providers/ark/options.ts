import { ConfigError } from '../../config/load.js';
import { optionChecks } from '../channel-options.js';

/** The image API a model speaks; endpoint ids (`ep-…`) say nothing, so a channel may name it. */
export type ImageFamily = 'seedream4' | 'seedream3' | 'seededit';

/** Channel `options` for the `ark` protocol, checked once when the channel is built (see index.ts). */
export interface ArkOptions {
  watermark: boolean;
  responseFormat: 'b64_json' | 'url';
  guidanceScale?: number;
  imageFamily?: ImageFamily;
  parameterStyle: 'fields' | 'text-flags';
  firstFrameRatio: 'requested' | 'adaptive';
  /** How long a Seedance task usually runs, for the progress estimate (Ark reports none). */
  typicalRunSeconds?: number;
}

const { oneOf } = optionChecks('ark channel option');

function numberIn(options: Readonly<Record<string, unknown>>, name: string, min: number, max: number): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
  throw new ConfigError(`ark channel option "${name}" must be a number from ${min} to ${max}.`);
}

export function readArkOptions(options: Readonly<Record<string, unknown>>): ArkOptions {
  const watermark = options.watermark ?? false;
  if (typeof watermark !== 'boolean') throw new ConfigError('ark channel option "watermark" must be true or false.');
  const guidanceScale = numberIn(options, 'guidanceScale', 1, 10);
  const typicalRunSeconds = numberIn(options, 'typicalRunSeconds', 0.1, 3600);
  const imageFamily = options.imageFamily === undefined ? undefined : oneOf<ImageFamily>(options, 'imageFamily', ['seedream4', 'seedream3', 'seededit'], 'seedream4');
  return {
    watermark,
    responseFormat: oneOf(options, 'responseFormat', ['b64_json', 'url'], 'b64_json'),
    ...(guidanceScale !== undefined && { guidanceScale }),
    ...(imageFamily && { imageFamily }),
    parameterStyle: oneOf(options, 'parameterStyle', ['fields', 'text-flags'], 'fields'),
    firstFrameRatio: oneOf(options, 'firstFrameRatio', ['requested', 'adaptive'], 'requested'),
    ...(typicalRunSeconds !== undefined && { typicalRunSeconds }),
  };
}

/** Which image API an upstream model speaks, from its name unless the channel says. */
export function imageFamilyOf(model: string, options: ArkOptions): ImageFamily {
  if (options.imageFamily) return options.imageFamily;
  if (model.includes('seededit')) return 'seededit';
  if (/seedream-3/.test(model)) return 'seedream3';
  return 'seedream4';
}
