import { messageFrom, type ErrorDescriber } from '../http-client.js';
import { UpstreamError, upstreamFailed, upstreamModerated } from '../errors.js';
import type { NormalisedError } from '../types.js';

export const DASHSCOPE_LABEL = 'Alibaba DashScope';

/** Content-review codes: the upstream refused the prompt, the reference or (on a task) the result. */
const POLICY_CATEGORIES: Record<string, string> = {
  DataInspectionFailed: 'upstream_data_inspection',
  IPInfringementSuspect: 'intellectual_property',
};

/**
 * Our marker for DashScope's 403 "current user api does not support (a)synchronous calls": the call
 * used the wrong mode for the endpoint. It is a 403, but the key is fine and must not be retired.
 */
const CALL_MODE_CODE = 'AccessDenied.CallMode';

const codeOf = (body: unknown): string | undefined => {
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code ? code : undefined;
};

/** DashScope errors are a top-level `{request_id, code, message}` with the HTTP status. */
export const describeDashScopeError: ErrorDescriber = (status, body, text) => {
  const code = codeOf(body);
  const message = messageFrom(body, text, status);
  const category = code ? POLICY_CATEGORIES[code] : undefined;
  // Refused at submission: the inspected data is the prompt (with any reference sent along it).
  if (category) return { message, upstreamCode: code, policy: { stage: 'prompt', category } };
  if (/does not support (a)?synchronous calls/i.test(message)) return { message, upstreamCode: CALL_MODE_CODE };
  return { message, upstreamCode: code, keyRejected: code === 'InvalidApiKey' };
};

/**
 * Reclassifies what the generic HTTP rules get wrong for DashScope: `Throttling*` and `Arrearage`
 * (an account out of credit, answered 400) mean the work was not accepted, so another key or channel
 * may serve it; a wrong call mode is our request's fault, not the key's.
 */
export function reclassify(err: unknown): unknown {
  if (!(err instanceof UpstreamError)) return err;
  const code = err.details.upstreamCode;
  if (code === 'Arrearage') {
    return new UpstreamError(
      'not_accepted',
      { code: 'upstream_quota_exhausted', message: err.normalised.message },
      err.details,
    );
  }
  if (code?.startsWith('Throttling')) {
    return new UpstreamError(
      'not_accepted',
      { code: 'upstream_rate_limited', message: err.normalised.message },
      err.details,
    );
  }
  if (code === CALL_MODE_CODE) {
    return new UpstreamError(
      'rejected',
      {
        code: 'upstream_invalid_request',
        message: `${DASHSCOPE_LABEL} refused the call mode (synchronous vs X-DashScope-Async) for this endpoint.`,
      },
      err.details,
    );
  }
  return err;
}

/** Runs one upstream call with DashScope's error codes applied. */
export async function dashScopeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw reclassify(err);
  }
}

/**
 * A task that ended FAILED (or a per-image result carrying `{code, message}`). A content-review code
 * on a task that was accepted and ran is reported at the `output` stage: DashScope does not say
 * whether it inspected the input again or the result, and the prompt had already passed submission.
 */
export function taskFailure(code: unknown, message: unknown): NormalisedError {
  const text =
    typeof message === 'string' && message.trim() ? message.trim().slice(0, 500) : 'the task failed without a message';
  const upstreamCode = typeof code === 'string' && code ? code : undefined;
  const category = upstreamCode ? POLICY_CATEGORIES[upstreamCode] : undefined;
  if (category) return upstreamModerated('output', category, `${DASHSCOPE_LABEL}: ${text}`);
  return upstreamFailed(
    'upstream_task_failed',
    `${DASHSCOPE_LABEL}: ${text}${upstreamCode ? ` (${upstreamCode})` : ''}`,
  );
}
