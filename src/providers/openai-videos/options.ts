import { ConfigError } from '../../config/load.js';
import { optionChecks, textOption } from '../channel-options.js';

/** How one `/v1/videos` upstream spells its request, read from the channel's `options`. */
export interface VideosOptions {
  /** Names the upstream in messages users see. */
  label: string;
  /** `seconds` (OpenAI) or `duration` (many resellers). */
  durationField: 'seconds' | 'duration';
  /** OpenAI rejects an integer `seconds`; some resellers want a number. Only matters for JSON bodies. */
  secondsType: 'string' | 'number';
  /** `size` as `1280x720` (OpenAI) or as an aspect ratio `16:9` (some resellers). */
  sizeStyle: 'pixels' | 'ratio';
  /** The lengths the upstream makes: a list, or a whole-second range. */
  seconds: { allowed: number[] } | { min: number; max: number };
  /** Output sizes the upstream makes, `WxH`. */
  sizes: { width: number; height: number }[];
  /** `multipart` (the reference as a file, what OpenAI's SDK sends) or `json` (the reference as `{image_url: data URL}`). */
  requestFormat: 'multipart' | 'json';
  /** Crop and scale the reference to the output size (Sora refuses any other size). */
  fitReference: boolean;
  /** `auto`: a result URL in the task body wins, else `/videos/{id}/content`; `content`: always `/content`. */
  resultFrom: 'auto' | 'content';
  /** Extra fields sent verbatim with every create (vendor passthrough such as new-api's `metadata`). */
  extraFields: Record<string, unknown>;
}

const SIZE = /^(\d{2,5})x(\d{2,5})$/;

const { oneOf } = optionChecks('openai-videos option');

function secondsOption(value: unknown): VideosOptions['seconds'] {
  if (value === undefined) return { allowed: [4, 8, 12] };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && v > 0)) return { allowed: [...value].sort((a, b) => a - b) };
  const range = value as { min?: unknown; max?: unknown } | null;
  if (range && typeof range.min === 'number' && typeof range.max === 'number' && range.min > 0 && range.max >= range.min) return { min: range.min, max: range.max };
  throw new ConfigError('openai-videos option "allowedSeconds" must be a list of seconds such as [4, 8, 12] or a range such as {min: 3, max: 12}.');
}

function sizesOption(value: unknown): VideosOptions['sizes'] {
  if (value === undefined) return [{ width: 1280, height: 720 }, { width: 720, height: 1280 }];
  if (Array.isArray(value) && value.length > 0) {
    const sizes = value.map((v) => (typeof v === 'string' ? SIZE.exec(v.trim()) : null));
    if (sizes.every(Boolean)) return sizes.map((m) => ({ width: Number(m![1]), height: Number(m![2]) }));
  }
  throw new ConfigError('openai-videos option "sizes" must be a list such as ["1280x720", "720x1280"].');
}

export function readVideosOptions(options: Readonly<Record<string, unknown>>): VideosOptions {
  const extra = options.extraFields;
  if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra))) {
    throw new ConfigError('openai-videos option "extraFields" must be a mapping of field names to values.');
  }
  return {
    label: textOption(options.label) ?? 'OpenAI Videos',
    durationField: oneOf(options, 'durationField', ['seconds', 'duration'], 'seconds'),
    secondsType: oneOf(options, 'secondsType', ['string', 'number'], 'string'),
    sizeStyle: oneOf(options, 'sizeStyle', ['pixels', 'ratio'], 'pixels'),
    seconds: secondsOption(options.allowedSeconds),
    sizes: sizesOption(options.sizes),
    requestFormat: oneOf(options, 'requestFormat', ['multipart', 'json'], 'multipart'),
    fitReference: options.fitReference !== false,
    resultFrom: oneOf(options, 'resultFrom', ['auto', 'content'], 'auto'),
    extraFields: (extra as Record<string, unknown> | undefined) ?? {},
  };
}
