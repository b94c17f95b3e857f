import type { NormalisedError } from '../providers/types.js';
import type { ModerationStage } from './types.js';

/** Category used when an upstream refuses without saying why. */
export const UPSTREAM_POLICY = 'upstream_policy';

const STAGE_LABEL: Record<ModerationStage, string> = {
  input_image: 'reference image',
  prompt: 'prompt',
  output: 'result',
};

/** Upstream text is passed on (users need it to act), trimmed and on one line. */
const tidy = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 400);

/**
 * An upstream's moderation outcome in the gateway's own form, so users meet one shape whoever
 * refused: HTTP 400 `content_policy_violation` with `param` = stage, or a stream ending with
 * `finish_reason: "content_filter"`; the job row keeps stage, category and scores.
 */
export function upstreamModerationError(
  stage: ModerationStage,
  category: string,
  message: string,
  scores?: Record<string, number>,
): NormalisedError {
  const detail = tidy(message);
  return {
    code: 'content_policy_violation',
    stage,
    category,
    message: `The upstream provider's review refused the ${STAGE_LABEL[stage]} (category: ${category})${detail ? `: ${detail}` : '.'}`,
    ...(scores && { scores }),
  };
}

/**
 * OpenAI Images/Videos errors: `moderation_blocked`, `content_policy_violation`, `sentinel_block`.
 * `stage` says where the job was: a refusal at submission is about the request, one after
 * acceptance about the result.
 */
export function fromOpenAIError(
  code: string | null | undefined,
  message: string,
  stage: ModerationStage = 'prompt',
): NormalisedError | null {
  if (code !== 'moderation_blocked' && code !== 'content_policy_violation' && code !== 'sentinel_block') return null;
  return upstreamModerationError(stage, UPSTREAM_POLICY, message);
}

/** BFL poll statuses: `Request Moderated` (input) and `Content Moderated` (output), with `details["Moderation Reasons"]`. */
export function fromBflStatus(status: string, details?: Record<string, unknown> | null): NormalisedError | null {
  if (status !== 'Request Moderated' && status !== 'Content Moderated') return null;
  const reasons = Array.isArray(details?.['Moderation Reasons'])
    ? (details['Moderation Reasons'] as unknown[]).map(String)
    : [];
  const category =
    reasons.length > 0
      ? reasons
          .join(',')
          .toLowerCase()
          .replace(/[^a-z0-9,]+/g, '_')
      : UPSTREAM_POLICY;
  return upstreamModerationError(
    status === 'Request Moderated' ? 'prompt' : 'output',
    category,
    reasons.length > 0 ? reasons.join(', ') : status,
  );
}

const GEMINI_OUTPUT: Record<string, string> = {
  SAFETY: 'safety',
  PROHIBITED_CONTENT: 'prohibited_content',
  BLOCKLIST: 'blocklist',
  SPII: 'personal_information',
  IMAGE_SAFETY: 'safety',
  IMAGE_PROHIBITED_CONTENT: 'prohibited_content',
  IMAGE_RECITATION: 'copyright',
  RECITATION: 'copyright',
};

/** Gemini `candidates[].finishReason` (the result was withheld): null for reasons that are not moderation. */
export function fromGeminiFinishReason(reason: string | null | undefined, message?: string): NormalisedError | null {
  const category = reason ? GEMINI_OUTPUT[reason] : undefined;
  return category ? upstreamModerationError('output', category, message ?? `Gemini stopped with ${reason}.`) : null;
}

/** Gemini `promptFeedback.blockReason` (the request was refused). */
export function fromGeminiBlockReason(reason: string | null | undefined, message?: string): NormalisedError | null {
  if (!reason || reason === 'BLOCK_REASON_UNSPECIFIED') return null;
  const stage: ModerationStage = reason.startsWith('IMAGE_') ? 'input_image' : 'prompt';
  return upstreamModerationError(
    stage,
    GEMINI_OUTPUT[reason] ?? reason.toLowerCase(),
    message ?? `Gemini blocked the request with ${reason}.`,
  );
}

/** Volcengine Ark error codes (`InputTextSensitiveContentDetected`, `OutputVideoSensitiveContentDetected`…). */
export function fromArkCode(code: string | null | undefined, message: string): NormalisedError | null {
  if (!code || !/SensitiveContentDetected|RiskDetection/.test(code)) return null;
  const stage: ModerationStage = code.startsWith('InputImage')
    ? 'input_image'
    : code.startsWith('Output')
      ? 'output'
      : 'prompt';
  const category = code.includes('PrivacyInformation') ? 'real_person' : 'sensitive_content';
  return upstreamModerationError(stage, category, message);
}

/** DashScope (Wan) codes: `DataInspectionFailed` (input or output) and `IPInfringementSuspect`. */
export function fromDashscopeCode(
  code: string | null | undefined,
  message: string,
  stage: ModerationStage = 'prompt',
): NormalisedError | null {
  if (code === 'DataInspectionFailed') return upstreamModerationError(stage, 'sensitive_content', message);
  if (code === 'IPInfringementSuspect') return upstreamModerationError(stage, 'copyright', message);
  return null;
}

/** Kling error code 1301 ("content security policy"). */
export function fromKlingCode(
  code: number | null | undefined,
  message: string,
  stage: ModerationStage = 'prompt',
): NormalisedError | null {
  return code === 1301 ? upstreamModerationError(stage, 'sensitive_content', message) : null;
}

/** Veo: a finished operation with no video and `raiMediaFilteredCount` > 0. */
export function fromVeoFiltered(
  count: number | null | undefined,
  reasons: string[] | null | undefined,
): NormalisedError | null {
  if (!count || count <= 0) return null;
  return upstreamModerationError(
    'output',
    UPSTREAM_POLICY,
    reasons && reasons.length > 0 ? reasons.join(' ') : 'The video was filtered by the upstream safety system.',
  );
}
