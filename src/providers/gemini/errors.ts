import { messageFrom, type ErrorDescriber } from '../http-client.js';

/** Google's RPC error envelope: `{error:{code, message, status, details:[{"@type", reason, …}]}}`. */
interface GoogleRpcError {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: { '@type'?: string; reason?: string }[];
  };
}

/**
 * Reasons Google gives (in `details[].reason`) for a key that cannot work. An invalid or expired key
 * is answered with HTTP 400 INVALID_ARGUMENT, not 401, so the status alone would never retire it.
 */
const KEY_REASONS = new Set([
  'API_KEY_INVALID',
  'API_KEY_EXPIRED',
  'API_KEY_SERVICE_BLOCKED',
  'API_KEY_HTTP_REFERRER_BLOCKED',
  'API_KEY_IP_ADDRESS_BLOCKED',
]);

export function rpcError(body: unknown): GoogleRpcError['error'] | undefined {
  // Streaming endpoints wrap the envelope in an array; accept both.
  const envelope = (Array.isArray(body) ? body[0] : body) as GoogleRpcError | null;
  return envelope && typeof envelope.error === 'object' && envelope.error !== null ? envelope.error : undefined;
}

export const describeGeminiError: ErrorDescriber = (status, body, text) => {
  const error = rpcError(body);
  const reasons = (Array.isArray(error?.details) ? error.details : [])
    .map((d) => d?.reason)
    .filter((r): r is string => typeof r === 'string');
  const keyReason = reasons.find((r) => KEY_REASONS.has(r));
  const message = messageFrom(error ? { error } : body, text, status);
  return {
    message,
    upstreamCode: keyReason ?? reasons[0] ?? (typeof error?.status === 'string' ? error.status : undefined),
    ...(keyReason && { keyRejected: true }),
  };
};
