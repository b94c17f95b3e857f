import type { ModelSpec } from './types.js';

/*
 * How long a prompt each upstream takes, in characters (JavaScript string length: what the HTTP
 * APIs below count). Documented limits (shared/reference/…):
 *   OpenAI Images: 32000 for GPT image models, 4000 for dall-e-3, 1000 for dall-e-2 (upstream-protocols §2);
 *   OpenAI Videos (Sora 2): 1–32000 (upstream-protocols §1);
 *   Kling: 2500 (video-protocols §3); Wan (DashScope): 800 (video-protocols §2), as Qwen-Image;
 *   Recraft: 1000 for V2/V3, 10000 for V4 (upstream-protocols §8);
 *   Gemini image models: 32 768 input tokens, so the gateway's own 32000 characters bind first.
 * Chosen where nothing is documented (FLUX, Seedream, SeedEdit, Seedance, Veo): 4000, the smallest
 * documented OpenAI bound (DALL·E 3). Their text encoders read about a thousand tokens at most
 * (Google states Veo's input in tokens), and 4000 characters is roughly that much English.
 */

/** The gateway's own bound for any prompt, whatever the model: also what a body may carry. */
export const MAX_PROMPT_CHARS = 32_000;
/** For upstreams that document no limit. */
export const UNDOCUMENTED_PROMPT_CHARS = 4000;

/** Upstream model names (as channels map them) → the documented limit, first match wins. */
const UPSTREAM_LIMITS: readonly (readonly [RegExp, number])[] = [
  [/^gpt-image/, 32_000],
  [/^dall-e-3/, 4000],
  [/^dall-e-2/, 1000],
  [/^sora-2/, 32_000],
  [/^(models\/)?gemini-/, 32_000],
  [/^(models\/)?veo-/, UNDOCUMENTED_PROMPT_CHARS],
  [/^wan\d/, 800],
  [/^qwen-image/, 800],
  [/^kling-/, 2500],
  [/^recraftv4/, 10_000],
  [/^recraft/, 1000],
  [/^flux/, UNDOCUMENTED_PROMPT_CHARS],
  [/^(doubao-)?seed/, UNDOCUMENTED_PROMPT_CHARS],
];

/** The documented limit of an upstream model name, when the name is one we know. */
export function upstreamPromptLimit(upstreamModel: string): number | undefined {
  const name = upstreamModel.trim().toLowerCase();
  return UPSTREAM_LIMITS.find(([pattern]) => pattern.test(name))?.[1];
}

export interface PromptLimit {
  /** Characters. */
  limit: number;
  /** The upstream model whose limit is stricter than the public model's, when it is. */
  upstreamModel?: string;
}

/**
 * The limit a prompt for `spec` served by `upstreamModel` must keep: the stricter of the public
 * model's and the upstream's (a channel may serve `sora-2` with Wan, which takes 800 characters).
 */
export function promptLimitFor(spec: ModelSpec, upstreamModel: string): PromptLimit {
  const upstream = upstreamPromptLimit(upstreamModel);
  if (upstream !== undefined && upstream < spec.maxPromptChars) return { limit: upstream, upstreamModel };
  return { limit: spec.maxPromptChars };
}
