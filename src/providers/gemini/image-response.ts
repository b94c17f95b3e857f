import { UpstreamError, upstreamPolicyBlock } from '../errors.js';

/** Only the fields read here; the REST API answers camelCase, snake_case is accepted defensively. */
interface Blob {
  mimeType?: string;
  mime_type?: string;
  data?: string;
}
interface Part {
  text?: string;
  thought?: boolean;
  inlineData?: Blob;
  inline_data?: Blob;
}
export interface GenerateContentResponse {
  candidates?: {
    content?: { parts?: Part[] };
    finishReason?: string;
    finish_reason?: string;
    finishMessage?: string;
  }[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  prompt_feedback?: { block_reason?: string; block_reason_message?: string };
}

/**
 * Finish reasons that mean the candidate was withheld by a safety or policy filter. They come with
 * HTTP 200 and usually no parts at all. (NO_IMAGE, OTHER, IMAGE_OTHER, MAX_TOKENS are not policy
 * outcomes: the model simply did not draw.)
 */
const POLICY_FINISH = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

const LABEL = 'Google Gemini';

/**
 * The generated image of one `generateContent` answer: the first image part that is not a Gemini 3
 * "thought" (draft) image. Everything else is turned into the error the user should see: a prompt
 * block (`promptFeedback.blockReason`), an output block (a safety finish reason), or a clear failure
 * quoting what the model said instead of drawing.
 */
export function pickImage(body: GenerateContentResponse | null): { data: Buffer; contentType: string } {
  const blockReason = body?.promptFeedback?.blockReason ?? body?.prompt_feedback?.block_reason;
  if (blockReason) {
    const detail = body?.promptFeedback?.blockReasonMessage ?? body?.prompt_feedback?.block_reason_message;
    return fail(
      upstreamPolicyBlock(
        'prompt',
        blockReason.toLowerCase(),
        `${LABEL} blocked the prompt (${blockReason})${detail ? `: ${detail}` : '.'}`,
        blockReason,
      ),
    );
  }
  const candidate = Array.isArray(body?.candidates) ? body.candidates[0] : undefined;
  const parts = Array.isArray(candidate?.content?.parts) ? candidate.content.parts : [];
  for (const part of parts) {
    const blob = part?.inlineData ?? part?.inline_data;
    const contentType = blob?.mimeType ?? blob?.mime_type ?? '';
    if (part.thought === true || !contentType.startsWith('image/') || typeof blob?.data !== 'string' || !blob.data)
      continue;
    return { data: Buffer.from(blob.data, 'base64'), contentType };
  }
  const finishReason = candidate?.finishReason ?? candidate?.finish_reason;
  const said = parts
    .filter((p) => p?.thought !== true && typeof p?.text === 'string')
    .map((p) => p.text!.trim())
    .join(' ')
    .slice(0, 300);
  const explanation = candidate?.finishMessage ?? said;
  if (finishReason && POLICY_FINISH.has(finishReason)) {
    return fail(
      upstreamPolicyBlock(
        'output',
        finishReason.toLowerCase(),
        `${LABEL} withheld the image (${finishReason})${explanation ? `: ${explanation}` : '.'}`,
        finishReason,
      ),
    );
  }
  // The call was answered (and may be billed): repeating it is the user's choice, not ours.
  return fail(
    new UpstreamError(
      'rejected',
      {
        code: 'upstream_no_image',
        message: `${LABEL} returned no image${finishReason ? ` (${finishReason})` : ''}${said ? `; the model said: "${said}"` : '.'}`,
      },
      { upstreamCode: finishReason },
    ),
  );
}

function fail(error: UpstreamError): never {
  throw error;
}
