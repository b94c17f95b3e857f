import { messageFrom, type ErrorDescriber } from '../http-client.js';

/** OpenAI's safety system answers 400 with one of these codes (gpt-image and DALL·E spell it differently). */
const MODERATION_CODES = new Set(['moderation_blocked', 'content_policy_violation']);

export const describeOpenAiError: ErrorDescriber = (status, body, text) => {
  const error = (body as { error?: { code?: unknown; type?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = messageFrom(body, text, status);
  if (code && MODERATION_CODES.has(code))
    return { message, upstreamCode: code, policy: { stage: 'prompt', category: 'upstream_safety_system' } };
  return { message, upstreamCode: code };
};
