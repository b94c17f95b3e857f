import type { ProtocolEntry } from '../types.js';
import { readVideosOptions } from './options.js';
import { OpenAiVideosProvider } from './provider.js';

/**
 * `openai-videos`: the OpenAI `/v1/videos` protocol (Sora 2) and the resellers that copy it for
 * other video models. Channel `options` (all optional; the defaults are OpenAI's own shape):
 *
 * - `durationField`: `seconds` (default) | `duration` — the field that carries the length.
 * - `secondsType`: `string` (default; OpenAI rejects an integer) | `number`. JSON bodies only;
 *   multipart fields are always text.
 * - `sizeStyle`: `pixels` (default, `1280x720`) | `ratio` (`16:9`).
 * - `allowedSeconds`: `[4, 8, 12]` (default, Sora) or another list such as `[5, 10]`, or a range
 *   `{min: 3, max: 12}`. Requests are snapped to it and the user is told.
 * - `sizes`: `["1280x720", "720x1280"]` (default, sora-2); the request is snapped to the nearest.
 * - `requestFormat`: `multipart` (default; the reference as an `input_reference` file part) |
 *   `json` (the reference as `input_reference: {image_url: "data:…"}`).
 * - `fitReference`: `true` (default) crops and scales the reference to the output size, which Sora
 *   requires; `false` sends it unchanged.
 * - `resultFrom`: `auto` (default; a link in the task body — `metadata.url`, `video_url`, `url`,
 *   `content_url`, `output[0]` — wins, else `/videos/{id}/content`) | `content`.
 * - `extraFields`: fields sent verbatim with every create (e.g. new-api's `metadata: {...}`).
 * - `label`: the upstream's name in user-facing messages (default `OpenAI Videos`).
 *
 * Statuses `queued`, `in_progress`, `processing`, `unknown` keep polling; `completed`/`succeeded`
 * download; `failed` (moderation codes → policy block), `cancelled`, `expired` and 404 end the job.
 *
 * Lost submissions: looked up in `GET /videos?order=desc&limit=100` (paged), matching `model`,
 * `prompt`, `size` and `seconds` on tasks created since the submission (less 2 minutes of clock
 * skew); see find-submitted.ts. An upstream without the list (404, as with many resellers) cannot
 * be asked, and the job fails as before.
 */
export const openAiVideosProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://api.openai.com/v1',
  polls: ['video'],
  create: (options) => new OpenAiVideosProvider(readVideosOptions(options)),
};
