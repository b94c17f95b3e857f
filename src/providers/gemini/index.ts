import type { ProtocolEntry } from '../types.js';
import { readGeminiOptions } from './options.js';
import { GeminiProvider } from './provider.js';

/**
 * `type: gemini` — the Gemini Developer API (`x-goog-api-key`), default base URL
 * `https://generativelanguage.googleapis.com/v1beta`. Serves image models (`nano-banana` →
 * gemini-2.5-flash-image, `nano-banana-hd` → gemini-3-pro-image-preview) and Veo video models
 * (`veo-3.1`, `veo-3.1-fast`, and `sora-2` via the GEMINI_API_KEY shortcut).
 *
 * Channel `options`:
 * - `imageSize`: `1K` | `2K` | `4K` (default `2K`) — `imageConfig.imageSize` for Gemini 3 Pro image
 *   models only; a request's `resolution: 1k|2k|4k` overrides it.
 * - `responseModalities`: `["IMAGE"]` (default) or `["TEXT", "IMAGE"]`, for models or proxies that
 *   want text alongside the image.
 * - `veoReferenceMode`: `first-frame` (default: the reference image is the video's first frame,
 *   `instances[0].image`) or `asset` (up to 3 `referenceImages` of type ASSET; Veo 3.1 only, forces 8 s).
 * - `veoExpectedSeconds`: time constant of the synthetic Veo progress (default 60; Veo reports none).
 *
 * Lost submissions: not looked up. Image models answer synchronously; a Veo operation is known only
 * by the `name` its create answer carries, and no operation list is documented.
 */
export const geminiProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  polls: ['video'], // Veo videos are long-running operations; images answer at once
  create: (options) => new GeminiProvider(readGeminiOptions(options)),
};
