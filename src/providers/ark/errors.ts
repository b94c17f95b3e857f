import { messageFrom, type ErrorDescriber } from '../http-client.js';
import { upstreamFailed, upstreamModerated } from '../errors.js';
import type { NormalisedError } from '../types.js';

export const ARK_LABEL = 'Volcengine Ark';

type Stage = 'input_image' | 'prompt' | 'output';

/**
 * Ark's moderation codes (error-code page 82379/1299023) by the stage they refuse. A code may carry
 * a sub-reason after a dot: `InputImageSensitiveContentDetected.PrivacyInformation` is a real person.
 */
const POLICY_STAGES: Record<string, Stage> = {
  SensitiveContentDetected: 'prompt',
  InputTextSensitiveContentDetected: 'prompt',
  InputTextRiskDetection: 'prompt',
  InputImageSensitiveContentDetected: 'input_image',
  InputImageRiskDetection: 'input_image',
  OutputImageSensitiveContentDetected: 'output',
  OutputImageRiskDetection: 'output',
  OutputVideoSensitiveContentDetected: 'output',
  OutputVideoRiskDetection: 'output',
};

const SUB_REASON_CATEGORIES: Record<string, string> = { PrivacyInformation: 'real_person' };

/** The moderation stage and category an Ark error code stands for, or undefined when it is not a policy block. */
export function arkPolicy(code: string | undefined): { stage: Stage; category: string } | undefined {
  if (!code) return undefined;
  const [base, sub] = code.split('.', 2);
  const stage = POLICY_STAGES[base];
  if (!stage) return undefined;
  const category =
    (sub && SUB_REASON_CATEGORIES[sub]) ?? (base.endsWith('RiskDetection') ? 'risk_detection' : 'sensitive_content');
  return { stage, category };
}

/** Ark answers errors as `{error:{code, message, param?, type}}`; policy codes become policy blocks. */
export const describeArkError: ErrorDescriber = (status, body, text) => {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = messageFrom(body, text, status);
  const policy = arkPolicy(code);
  if (policy) return { message, upstreamCode: code, policy };
  // Ark spells a bad key `AuthenticationError`; it is a key problem whatever the status says.
  return { message, upstreamCode: code, ...(code === 'AuthenticationError' && { keyRejected: true }) };
};

/**
 * An error Ark reports inside a 200 answer (a failed image in `data[i].error`) or on a finished task
 * (`error` of a failed Seedance task): a policy block at its stage, or a plain upstream failure.
 */
export function arkReportedError(
  error: { code?: unknown; message?: unknown } | null | undefined,
  fallback: string,
): NormalisedError {
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const text =
    typeof error?.message === 'string' && error.message.trim() ? error.message.trim().slice(0, 500) : fallback;
  const policy = arkPolicy(code);
  if (policy) return upstreamModerated(policy.stage, policy.category, `${ARK_LABEL}: ${text}`);
  // A plain failure keeps Ark's code in the message: it is what an operator searches for.
  return upstreamFailed('upstream_failed', `${ARK_LABEL}: ${text}${code && !text.includes(code) ? ` (${code})` : ''}`);
}
