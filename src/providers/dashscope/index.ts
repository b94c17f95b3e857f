import type { ProtocolEntry } from '../types.js';
import { readOptions } from './options.js';
import { DashScopeProvider } from './provider.js';

/**
 * Alibaba DashScope (Model Studio), channel type `dashscope`. Bearer auth; the base URL ends in
 * `/api/v1` (Beijing by default; `https://dashscope-intl.aliyuncs.com/api/v1` for Singapore,
 * `https://dashscope-us.aliyuncs.com/api/v1` for Virginia — keys are per region). A bare host gets
 * `/api/v1` appended.
 *
 * Flows, chosen per request:
 * - image without references → qwen-image, async `services/aigc/text2image/image-synthesis` (n = 1);
 * - image with a reference, or an upstream model named `*edit*` → synchronous
 *   `services/aigc/multimodal-generation/generation`;
 * - video → Wan `services/aigc/video-generation/video-synthesis` (async), image-to-video when a
 *   reference is present.
 *
 * Channel `options`:
 * - `promptExtend` (boolean, default true): `parameters.prompt_extend` (qwen-image and Wan).
 * - `watermark` (boolean, default false): `parameters.watermark`.
 * - `i2vModel` (string): Wan model for image-to-video; default: the channel's model with `t2v` → `i2v`.
 * - `resolution` (`480P` | `720P` | `1080P`): Wan tier when the request names none; default: the
 *   tier nearest the request's size.
 * - `wanProtocol` (`classic` | `media`): Wan request shape; default `media` for `wan2.7*` models,
 *   `classic` (`img_url`, `size`) otherwise.
 *
 * Error codes: `DataInspectionFailed` / `IPInfringementSuspect` at submission are policy blocks on
 * the prompt; on a task that FAILED after running they are reported at the `output` stage (DashScope
 * does not say which data it inspected then). `InvalidApiKey` retires the key; `Throttling*` and
 * `Arrearage` (account out of credit) let the job go to another key or channel; task status
 * `UNKNOWN` (expired after 24 h, or never created) ends the job at once.
 *
 * Lost submissions: not looked up. Tasks are read by the id the create answer carries; a task list
 * (`GET /api/v1/tasks`) is mentioned but its parameters and item shape are UNCONFIRMED, and there
 * is no client reference, so the job fails as before. The multimodal endpoint is synchronous.
 */
export const dashScopeProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://dashscope.aliyuncs.com/api/v1',
  polls: ['video'], // Wan videos are tasks; some image flows answer at once
  create: (options) => new DashScopeProvider(readOptions(options)),
};
