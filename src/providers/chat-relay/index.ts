import type { ProtocolEntry } from '../types.js';
import { readRelayOptions } from './options.js';
import { ChatRelayProvider } from './provider.js';

/**
 * `chat-relay`: a reseller that serves media models through `/v1/chat/completions`, exactly like
 * the seeds (`sora-2`, `sora_video2`, `gpt-4o-image`, …). There is no task to poll: the answer is
 * streamed, its progress text (`Progress 47%`, `进度 47%`, `🏃 47%`, any `N%`) becomes our progress,
 * and the media link is read from its final markdown (`[click here](URL)`, `![](URL)`,
 * `<video src="URL">` in a code fence, inline `data:` images), then downloaded and re-hosted.
 *
 * What is sent: one user message, the cleaned prompt with the resolved parameters written back in
 * the forms the seeds document — `duration: N seconds` and 横屏/竖屏 (other ratios as `W:H`) for
 * videos, `aspect ratio: W:H` for non-square images — and each reference as an `image_url` part
 * with a `data:` URL. Failure texts (❌ …, "generation failed", 生成失败) become normalised errors;
 * content-review words (violat…, moderation, 审核, 违规, …) become policy blocks, at stage `output`
 * once the relay had passed 90 %, else `prompt`. An answer cut off after anything arrived is
 * `ambiguous` (never resubmitted); a connection closed before any byte is `not_accepted`.
 *
 * Channel `options` (all optional):
 * - `stream`: `true` (default) | `false` — ask for SSE or one JSON answer (both are read either way).
 * - `authScheme`: `bearer` (default) | `bare` (`Authorization: <key>`, seed 004).
 * - `ratioStyle`: `words` (default; 横屏/竖屏) | `ratio` (`16:9`) | `none`.
 * - `durationStyle`: `directive` (default; `duration: N seconds`) | `none`.
 * - `allowedSeconds`: lengths the relay makes, e.g. `[10, 15]`; unset means any.
 * - `streamTimeoutMs` (default 30 min) and `idleTimeoutMs` (default 10 min without a byte).
 * - `label`: the relay's name in user-facing messages (default `Chat relay`).
 *
 * Lost submissions: not looked up. The relay is one streamed chat completion; its answer is the
 * work, and there is nothing to ask for afterwards.
 */
export const chatRelayProtocol: ProtocolEntry = {
  // Relays have no common public address: a channel names its own `baseUrl`.
  defaultBaseUrl: 'https://chat-relay.invalid/v1',
  polls: [], // each job holds its streamed answer open
  create: (options) => new ChatRelayProvider(readRelayOptions(options)),
};
