import { messageFrom, type ErrorDescriber } from '../http-client.js';

interface ValidationItem {
  loc?: unknown[];
  msg?: unknown;
  type?: unknown;
}

/** FastAPI's 422 body `{detail:[{loc, msg, type}]}` as one line: `aspect_ratio: <msg>; width: <msg>`. */
function validationMessage(detail: ValidationItem[]): string | undefined {
  const parts = detail
    .filter((item) => item && typeof item.msg === 'string')
    .map((item) => {
      const field = Array.isArray(item.loc) ? item.loc.filter((part) => part !== 'body').join('.') : '';
      return field ? `${field}: ${item.msg as string}` : (item.msg as string);
    });
  return parts.length > 0 ? `Invalid request: ${parts.join('; ')}`.slice(0, 500) : undefined;
}

/**
 * BFL error bodies: FastAPI's `{detail: "…"}` for most statuses (403 "Not authenticated - Invalid
 * Authentication", 402 out of credits, 429 too many active tasks) and `{detail:[{loc,msg,type}]}`
 * for 422 validation errors. The job engine classifies the status; this only finds the words.
 */
export const describeBflError: ErrorDescriber = (status, body, text) => {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (Array.isArray(detail)) {
    const message = validationMessage(detail as ValidationItem[]);
    const type = (detail[0] as ValidationItem | undefined)?.type;
    if (message) return { message, ...(typeof type === 'string' && { upstreamCode: type }) };
  }
  const message = messageFrom(body, text, status);
  const said = message !== `HTTP ${status}`;
  // Both are about the account, not the request: the engine may try another channel.
  if (status === 402)
    return { message: said ? message : 'The account has run out of credits.', upstreamCode: 'insufficient_credits' };
  if (status === 429)
    return {
      message: said ? message : 'Too many active tasks on this account.',
      upstreamCode: 'too_many_active_tasks',
    };
  return { message };
};
