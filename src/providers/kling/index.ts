import type { ProtocolEntry } from '../types.js';
import { KlingProvider } from './provider.js';

/**
 * Kling AI (`type: kling`). Each channel key is `accessKey:secretKey` (the env shortcut joins
 * KLING_ACCESS_KEY and KLING_SECRET_KEY so); requests carry an HS256 JWT signed with the secret
 * (`iss` = access key, valid 30 min from 5 s ago). Upstream model names are Kling's `model_name`s,
 * e.g. `kling-v2-1` (image-to-video only), `kling-v2-1-master`, `kling-v2-5-turbo`.
 *
 * Channel `options` (all optional):
 * - `mode`: `std` (default) or `pro`.
 * - `cfg_scale`: 0–1, sent to the v1 models only (v2.x refuse it).
 * - `text_model`: the model used for text-only requests when the channel's model is
 *   image-to-video only (`kling-v2-1`, `kling-v1-5`); default `kling-v2-1-master`.
 *
 * Policy blocks: code 1301 on create is reported at stage `input_image` when a reference was sent,
 * else `prompt`; a task that fails with risk-control wording in `task_status_msg` at stage `output`.
 *
 * Lost submissions: looked up. Every create carries `external_task_id` = `mediagate-<job id>`
 * (unique per account, as Kling requires); after a create whose answer was lost, or a restart
 * before it was recorded, the task is asked for by that id on its create path with the same key.
 */
export const klingProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://api-singapore.klingai.com',
  polls: ['video'],
  create: (options) => new KlingProvider(options),
};
