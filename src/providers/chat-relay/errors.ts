import { messageFrom, type ErrorDescriber } from '../http-client.js';
import { POLICY_WORDS } from './answer.js';

/**
 * Relays answer errors in OpenAI's envelope (new-api adds its own `type`). A 4xx whose message
 * speaks of content review refused the prompt (the relay checks it before generating).
 */
export const describeRelayError: ErrorDescriber = (status, body, text) => {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' || typeof error?.code === 'number' ? String(error.code) : undefined;
  const message = messageFrom(body, text, status);
  if (status >= 400 && status < 500 && status !== 401 && status !== 429 && POLICY_WORDS.test(message)) {
    return { message, upstreamCode: code, policy: { stage: 'prompt', category: 'upstream_moderation' } };
  }
  return { message, upstreamCode: code };
};
