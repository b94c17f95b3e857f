import { messageFrom, type ErrorDescriber } from '../http-client.js';

/**
 * Recraft documents only a wrong token (401, plain text `request unauthorized`) and an unknown path
 * (404, `404 page not found`); other refusals are "plain text or JSON". Bodies seen in the wild are
 * `{code, message}`, OpenAI's `{error:{code, message}}` (the API is OpenAI-SDK compatible) or
 * FastAPI's `{detail}`, so all are read, and plain text is quoted as it is. Moderation codes are unconfirmed too: a code or message that speaks of NSFW, moderation,
 * inappropriate or unsafe content is reported as a policy block on the prompt.
 */
const POLICY_WORDS = /nsfw|moderat|inappropriate|unsafe|prohibited|content[ _-]?policy|safety/i;

export const describeRecraftError: ErrorDescriber = (status, body, text) => {
  const b = body as { code?: unknown; error?: { code?: unknown } | unknown } | null;
  const nested = typeof b?.error === 'object' && b.error !== null ? (b.error as { code?: unknown }).code : undefined;
  const code = [b?.code, nested].find((c): c is string => typeof c === 'string' && c.trim() !== '');
  const message = messageFrom(body, text, status);
  if (
    status >= 400 &&
    status < 500 &&
    status !== 401 &&
    status !== 403 &&
    status !== 429 &&
    POLICY_WORDS.test(`${code ?? ''} ${message}`)
  ) {
    return { message, upstreamCode: code, policy: { stage: 'prompt', category: 'upstream_moderation' } };
  }
  return { message, ...(code && { upstreamCode: code }) };
};
