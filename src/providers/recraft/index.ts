import type { ProtocolEntry } from '../types.js';
import { RecraftProvider } from './provider.js';

/**
 * Recraft (`type: recraft`): `POST {baseUrl}/images/generations` with a Bearer token; the base URL
 * includes `/v1` (default `https://external.api.recraft.ai/v1`). Upstream model names are Recraft's
 * (`recraftv3`, `recraftv2`). Raster output only (PNG or WebP).
 *
 * Channel `options` (all optional):
 * - `style`: `realistic_image` (default: Recraft's own default is undocumented, so one is always
 *   sent), `digital_illustration`, `logo_raster` or `any`. The vector styles
 *   (`vector_illustration`, `icon`) return SVG and stop the start.
 * - `substyle`: passed with `style`, e.g. `hdr`, `natural_light`.
 * - `style_id`: a custom style's UUID; sent instead of `style`.
 * - `response_format`: `url` (default; the link is downloaded at once) or `b64_json`.
 *
 * Lost submissions: not looked up. Generation is synchronous: the images are the answer.
 */
export const recraftProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://external.api.recraft.ai/v1',
  polls: [], // each image is one call held open
  create: (options) => new RecraftProvider(options),
};
