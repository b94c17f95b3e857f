import type { ProtocolEntry } from '../types.js';
import { ArkProvider } from './provider.js';

/**
 * Volcengine Ark (`type: ark`; env shortcut `ARK_API_KEY` / `ARK_BASE_URL`). Bearer auth; the base
 * URL ends in `/api/v3` (BytePlus: `https://ark.ap-southeast.bytepluses.com/api/v3`).
 *
 * Images — synchronous `POST /images/generations`:
 * - Seedream 4.x (`doubao-seedream-4-0-250828`): `size` is the resolved `WxH`, kept within 1280×720 to
 *   4096×4096 total pixels; references go as an `image` array of data: URLs. n > 1 is one call with
 *   `sequential_image_generation: "auto"`, `max_images: n` (references + n ≤ 15), and "a set of n
 *   images" written into the prompt, because in auto mode the model counts from the prompt; it may
 *   still make fewer, and the job then returns what it made.
 * - Seedream 3.0 t2i: `WxH` with each side within 512–2048; `guidance_scale` from `guidanceScale`.
 * - SeedEdit 3.0 i2i: exactly one reference as `image`, `size: "adaptive"`; `guidance_scale` likewise.
 * Images failing individually (`data[i].error`) are dropped when others succeeded.
 *
 * Video — Seedance tasks: `POST /contents/generations/tasks` with `content` [text, first frame as
 * data: URL with `role: first_frame`], `resolution`/`ratio`/`duration` (3–12 s on 1.0, snapped in
 * `adapt`); poll `GET …/tasks/{id}` (`queued|running|succeeded|failed|cancelled|expired`), result
 * `content.video_url` downloaded by the engine. Ark reports no progress, so it is estimated.
 *
 * Channel `options`:
 * - `watermark` (boolean, default false): Ark's visible "AI生成" mark; Ark itself defaults to true.
 * - `responseFormat` (`b64_json` | `url`, default `b64_json`): inline images are stored at once;
 *   `url` returns 24-hour TOS links that the engine downloads.
 * - `guidanceScale` (1–10): sent to Seedream 3.0 and SeedEdit only (their defaults: 2.5 and 5.5).
 * - `imageFamily` (`seedream4` | `seedream3` | `seededit`): which image API an endpoint id (`ep-…`)
 *   speaks; otherwise read from the model name.
 * - `parameterStyle` (`fields` | `text-flags`, default `fields`): `text-flags` sends Seedance's
 *   parameters as `--rs 720p --rt 16:9 --dur 5 --wm false` after the prompt (older API, UNCONFIRMED).
 * - `firstFrameRatio` (`requested` | `adaptive`, default `requested`): with a first frame, send the
 *   ratio the gateway resolved and announced, or `adaptive` to let the image decide.
 * - `typicalRunSeconds`: how long a Seedance task usually takes, for the progress estimate.
 *
 * Lost submissions: not looked up. Seedream is synchronous (the image is the answer). Seedance has a
 * task list (`GET …/tasks?filter.model=…`), but its items are not documented to echo the prompt or
 * any client reference, so a match on model, ratio, resolution and duration could be another
 * client's task on the same account; handing that over would be worse than failing.
 */
export const arkProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://ark.cn-beijing.volces.com/api/v3',
  polls: ['video'], // Seedance videos are tasks; Seedream images answer at once
  create: (options) => new ArkProvider(options),
};
