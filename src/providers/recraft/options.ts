import { z } from 'zod';
import { oneOfOption, parseChannelOptions } from '../channel-options.js';

/** Styles that make raster images. `vector_illustration` and `icon` answer with SVG, which is not served. */
export const RASTER_STYLES = ['realistic_image', 'digital_illustration', 'logo_raster', 'any'] as const;

/**
 * Recraft's default style when none is sent is undocumented, so one is always sent:
 * `realistic_image` unless the channel names another (or a custom `style_id`).
 */
export const DEFAULT_STYLE = 'realistic_image';

const text = (what: string) =>
  z
    .string({ error: `must be ${what}.` })
    .trim()
    .min(1, { error: `must be ${what}.` });

export interface RecraftOptions {
  style?: string;
  substyle?: string;
  styleId?: string;
  responseFormat: 'url' | 'b64_json';
}

/** Channel `options` for Recraft (documented in index.ts), checked once when the channel is built. */
const recraftOptionsSchema = z
  .object({
    style: z
      .enum(RASTER_STYLES, {
        error: `must be one of ${RASTER_STYLES.join(', ')} (the vector styles answer with SVG, which is not served).`,
      })
      .optional(),
    substyle: text('a substyle name').optional(),
    style_id: text("a custom style's id").optional(),
    response_format: oneOfOption(['url', 'b64_json'], 'url'),
  })
  .transform(
    ({ style, substyle, style_id, response_format }): RecraftOptions => ({
      // A custom style replaces the named style and its substyle.
      ...(style_id ? { styleId: style_id } : { style: style ?? DEFAULT_STYLE, ...(substyle && { substyle }) }),
      responseFormat: response_format,
    }),
  );

export function readRecraftOptions(options: Readonly<Record<string, unknown>>): RecraftOptions {
  return parseChannelOptions(recraftOptionsSchema, options, 'recraft channel option');
}
