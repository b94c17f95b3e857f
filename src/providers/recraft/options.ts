import { textOption } from '../channel-options.js';

/** Channel `options` for Recraft, read once when the channel is built (see index.ts). */
export interface RecraftOptions {
  style?: string;
  substyle?: string;
  styleId?: string;
  responseFormat: 'url' | 'b64_json';
}

/** Styles that make raster images. `vector_illustration` and `icon` answer with SVG, which is not served. */
export const RASTER_STYLES = ['realistic_image', 'digital_illustration', 'logo_raster', 'any'];

/**
 * Recraft's default style when none is sent is undocumented, so one is always sent:
 * `realistic_image` unless the channel names another (or a custom `style_id`).
 */
export const DEFAULT_STYLE = 'realistic_image';

export function readRecraftOptions(options: Readonly<Record<string, unknown>>): RecraftOptions {
  const styleId = textOption(options.style_id);
  const asked = textOption(options.style);
  const style = styleId ? undefined : asked && RASTER_STYLES.includes(asked) ? asked : DEFAULT_STYLE;
  const substyle = styleId ? undefined : textOption(options.substyle);
  return {
    ...(style && { style }),
    ...(substyle && { substyle }),
    ...(styleId && { styleId }),
    responseFormat: options.response_format === 'b64_json' ? 'b64_json' : 'url',
  };
}
