import { messageFrom, type ErrorDescriber } from '../http-client.js';

/** Kling's `code` values that mean the key (or its JWT) was refused: 1000 auth failed … 1004 expired. */
const KEY_CODES = new Set([1000, 1001, 1002, 1003, 1004]);
/** Content security policy: the request itself was refused by moderation. */
export const POLICY_CODE = 1301;

/**
 * Kling answers `{code, message, request_id}` with an HTTP status. The status already classifies
 * most codes (429 for 1302/1303 concurrency and rate limits, so they are retried; 5xx for 5000–5002);
 * the code adds what the status does not say: moderation (1301) and a refused key.
 */
export const describeKlingError: ErrorDescriber = (status, body, text) => {
  const code = (body as { code?: unknown } | null)?.code;
  const numeric =
    typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
  const message = messageFrom(body, text, status);
  const upstreamCode = numeric !== undefined ? String(numeric) : undefined;
  if (numeric === POLICY_CODE)
    return { message, upstreamCode, policy: { stage: 'prompt', category: 'upstream_moderation' } };
  if (numeric !== undefined && KEY_CODES.has(numeric)) return { message, upstreamCode, keyRejected: true };
  return { message, upstreamCode };
};
