import type { ProtocolEntry } from '../types.js';
import { BflProvider } from './provider.js';

/**
 * Black Forest Labs FLUX API (`type: bfl`). Auth header `x-key`. Upstream model names are BFL's
 * endpoint names: `flux-kontext-pro`, `flux-kontext-max` (ratio + optional reference image),
 * `flux-pro-1.1`, `flux-dev` (pixel size in multiples of 32, 256–1440).
 *
 * Channel `options` (all optional; an out-of-range value stops the start):
 * - `safety_tolerance`: 0 (strictest) – 6, sent with every task; default 2.
 * - `prompt_upsampling`: boolean; BFL's default (false) when absent.
 * - `steps` (1–50) and `guidance` (1.5–5): FLUX.1 [dev] only; BFL's defaults (28, 3) when absent.
 *
 * Policy blocks: `Request Moderated` is reported at stage `input_image` when a reference image was
 * sent and `prompt` otherwise; `Content Moderated` at stage `output`.
 *
 * Lost submissions: not looked up. BFL documents no task list and no client reference (only
 * `get_result?id=` for an id the lost answer carried), so the job fails as before.
 */
export const bflProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://api.bfl.ai',
  polls: ['image'], // every FLUX image is a task polled at `polling_url`
  create: (options) => new BflProvider(options),
};
