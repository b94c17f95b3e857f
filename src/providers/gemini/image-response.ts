import { z } from 'zod';
import { UpstreamError, upstreamPolicyBlock } from '../errors.js';
import { lenient, submissionAnswer } from '../upstream-answer.js';
import type { UsageMetadata } from './usage.js';

const LABEL = 'Google Gemini';

const blobSchema = z.object({
  mimeType: lenient(z.string()),
  mime_type: lenient(z.string()),
  data: lenient(z.string()),
});

/** A part that is not an object holds nothing. */
const partSchema = z
  .object({
    text: lenient(z.string()),
    thought: lenient(z.boolean()),
    inlineData: lenient(blobSchema),
    inline_data: lenient(blobSchema),
  })
  .catch({});

const candidateSchema = z
  .object({
    content: lenient(z.object({ parts: lenient(z.array(partSchema)) })),
    finishReason: lenient(z.string()),
    finish_reason: lenient(z.string()),
    finishMessage: lenient(z.string()),
  })
  .catch({});

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A `generateContent` answer, only the fields read here; the REST API answers camelCase, snake_case
 * is accepted defensively. Each field is read leniently: one odd field must not lose a paid image.
 */
export const generateContentSchema = z.object({
  candidates: lenient(z.array(candidateSchema)),
  promptFeedback: lenient(z.object({ blockReason: lenient(z.string()), blockReasonMessage: lenient(z.string()) })),
  prompt_feedback: lenient(z.object({ block_reason: lenient(z.string()), block_reason_message: lenient(z.string()) })),
  /** Summed field by field in usage.ts. */
  usageMetadata: lenient(z.custom<UsageMetadata>(isObject)),
});
export type GenerateContentResponse = z.infer<typeof generateContentSchema>;

/** The answer of a 200: anything but an object may still be a drawn (and billed) image, so it is ambiguous. */
export const readGenerateContent = (body: unknown): GenerateContentResponse =>
  submissionAnswer(
    generateContentSchema,
    body,
    `${LABEL} answered with something that is not a generateContent response.`,
  );

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

/**
 * The generated image of one `generateContent` answer: the first image part that is not a Gemini 3
 * "thought" (draft) image. Everything else is turned into the error the user should see: a prompt
 * block (`promptFeedback.blockReason`), an output block (a safety finish reason), or a clear failure
 * quoting what the model said instead of drawing.
 */
export function pickImage(body: GenerateContentResponse): { data: Buffer; contentType: string } {
  const blockReason = body.promptFeedback?.blockReason ?? body.prompt_feedback?.block_reason;
  if (blockReason) {
    const detail = body.promptFeedback?.blockReasonMessage ?? body.prompt_feedback?.block_reason_message;
    return fail(
      upstreamPolicyBlock(
        'prompt',
        blockReason.toLowerCase(),
        `${LABEL} blocked the prompt (${blockReason})${detail ? `: ${detail}` : '.'}`,
        blockReason,
      ),
    );
  }
  const candidate = body.candidates?.[0];
  const parts = candidate?.content?.parts ?? [];
  for (const part of parts) {
    const blob = part.inlineData ?? part.inline_data;
    const contentType = blob?.mimeType ?? blob?.mime_type ?? '';
    if (part.thought === true || !contentType.startsWith('image/') || typeof blob?.data !== 'string' || !blob.data)
      continue;
    return { data: Buffer.from(blob.data, 'base64'), contentType };
  }
  const finishReason = candidate?.finishReason ?? candidate?.finish_reason;
  const said = parts
    .flatMap((p) => (p.thought !== true && p.text !== undefined ? [p.text.trim()] : []))
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
