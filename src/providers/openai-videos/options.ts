import { z } from 'zod';
import { oneOfOption, parseChannelOptions, textOption } from '../channel-options.js';

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

/** A value read by `read` (undefined when unusable), or the issue `message` for this option. */
const checked = <T>(read: (value: unknown) => T | undefined, message: string) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => {
      const parsed = read(value);
      if (parsed !== undefined) return parsed;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });

function secondsOption(value: unknown): VideosOptions['seconds'] | undefined {
  if (value === undefined) return { allowed: [4, 8, 12] };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && v > 0))
    return { allowed: [...value].sort((a, b) => a - b) };
  const range = value as { min?: unknown; max?: unknown } | null;
  if (
    range &&
    typeof range.min === 'number' &&
    typeof range.max === 'number' &&
    range.min > 0 &&
    range.max >= range.min
  )
    return { min: range.min, max: range.max };
  return undefined;
}

function sizesOption(value: unknown): VideosOptions['sizes'] | undefined {
  if (value === undefined)
    return [
      { width: 1280, height: 720 },
      { width: 720, height: 1280 },
    ];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const sizes = value.map((v) => (typeof v === 'string' ? SIZE.exec(v.trim()) : null));
  return sizes.every(Boolean) ? sizes.map((m) => ({ width: Number(m![1]), height: Number(m![2]) })) : undefined;
}

const videosOptionsSchema = z
  .object({
    label: z
      .unknown()
      .optional()
      .transform((v) => textOption(v) ?? 'OpenAI Videos'),
    durationField: oneOfOption(['seconds', 'duration'], 'seconds'),
    secondsType: oneOfOption(['string', 'number'], 'string'),
    sizeStyle: oneOfOption(['pixels', 'ratio'], 'pixels'),
    allowedSeconds: checked(
      secondsOption,
      'must be a list of seconds such as [4, 8, 12] or a range such as {min: 3, max: 12}.',
    ),
    sizes: checked(sizesOption, 'must be a list such as ["1280x720", "720x1280"].'),
    requestFormat: oneOfOption(['multipart', 'json'], 'multipart'),
    // Anything but an explicit `false` keeps the crop: Sora refuses a reference of another size.
    fitReference: z
      .unknown()
      .optional()
      .transform((v) => v !== false),
    resultFrom: oneOfOption(['auto', 'content'], 'auto'),
    extraFields: z
      .record(z.string(), z.unknown(), { error: 'must be a mapping of field names to values.' })
      .default({}),
  })
  .transform(({ allowedSeconds, ...rest }) => ({ ...rest, seconds: allowedSeconds }));

export function readVideosOptions(options: Readonly<Record<string, unknown>>): VideosOptions {
  return parseChannelOptions(videosOptionsSchema, options, 'openai-videos option');
}
