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

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

export function readRecraftOptions(options: Readonly<Record<string, unknown>>): RecraftOptions {
  const styleId = text(options.style_id);
  const asked = text(options.style);
  const style = styleId ? undefined : asked && RASTER_STYLES.includes(asked) ? asked : DEFAULT_STYLE;
  const substyle = styleId ? undefined : text(options.substyle);
  return {
    ...(style && { style }),
    ...(substyle && { substyle }),
    ...(styleId && { styleId }),
    responseFormat: options.response_format === 'b64_json' ? 'b64_json' : 'url',
  };
}
