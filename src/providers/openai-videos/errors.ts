import { upstreamFailed, upstreamModerated } from '../errors.js';
import { messageFrom, type ErrorDescriber } from '../http-client.js';
import type { NormalisedError } from '../types.js';

/**
 * Codes OpenAI and resellers use for a moderation refusal. `sentinel_block` is the request-stage
 * check (third-party reports); `moderation_blocked` covers both the request and the result.
 */
const MODERATION_CODES = new Set([
  'moderation_blocked',
  'sentinel_block',
  'content_policy_violation',
  'content_filter',
  'safety_violation',
]);
const MODERATION_WORDS =
  /moderation|safety (?:system|filter)|content[ _-]?polic|usage polic|policy violation|inappropriate content|sensitive content/i;
/** The refusal named the reference rather than the prompt (Sora refuses references with human faces). */
const IMAGE_WORDS = /\b(image|reference|face|faces|person)\b/i;

export function isModeration(code: string | undefined, message: string): boolean {
  return (code !== undefined && MODERATION_CODES.has(code)) || MODERATION_WORDS.test(message);
}

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code ? code : typeof code === 'number' ? String(code) : undefined;
};

/** OpenAI's `{error:{message,type,param,code}}`; a 4xx moderation refusal at create time is a policy block. */
export const describeVideosError: ErrorDescriber = (status, body, text) => {
  const code = codeOf((body as { error?: unknown } | null)?.error) ?? codeOf(body);
  const message = messageFrom(body, text, status);
  if (status >= 400 && status < 500 && status !== 401 && status !== 429 && isModeration(code, message)) {
    return {
      message,
      upstreamCode: code,
      policy: { stage: IMAGE_WORDS.test(message) ? 'input_image' : 'prompt', category: 'upstream_moderation' },
    };
  }
  return { message, upstreamCode: code };
};

/**
 * A task that ended `failed`. A moderation code on a task that reported 90 % or more (or no
 * progress at all) is a block of the result; `sentinel_block`, or a failure below 90 %, is the
 * prompt's. Other failures keep the upstream's message and code.
 */
export function taskFailure(
  label: string,
  error: { code?: string; message?: string } | undefined,
  progress: number | undefined,
): NormalisedError {
  const message = error?.message?.trim().slice(0, 500) || 'the video task failed without a message';
  const code = error?.code;
  if (isModeration(code, message)) {
    const early = code === 'sentinel_block' || (progress !== undefined && progress < 90);
    return upstreamModerated(early ? 'prompt' : 'output', 'upstream_moderation', `${label}: ${message}`);
  }
  return upstreamFailed('upstream_task_failed', `${label}: ${message}${code ? ` (${code})` : ''}`);
}
