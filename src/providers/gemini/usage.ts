import type { UpstreamUsage } from '../types.js';

interface ModalityCount {
  modality?: string;
  tokenCount?: number;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  promptTokensDetails?: ModalityCount[];
}

const count = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;

/** Tokens of one modality in Gemini's per-modality breakdown. */
const ofModality = (details: ModalityCount[] | undefined, modality: string) =>
  (details ?? []).filter((d) => d?.modality === modality).reduce((sum, d) => sum + count(d.tokenCount), 0);

/**
 * Gemini's `usageMetadata` of every call that made an image, summed into OpenAI's usage shape:
 * prompt tokens are input, candidate and thought tokens are output (both are billed as output).
 * Undefined when no call reported any.
 */
export function sumUsage(reports: (UsageMetadata | undefined)[]): UpstreamUsage | undefined {
  const present = reports.filter(
    (r): r is UsageMetadata => typeof r === 'object' && r !== null && r.totalTokenCount !== undefined,
  );
  if (present.length === 0) return undefined;
  const input = present.reduce((sum, r) => sum + count(r.promptTokenCount), 0);
  const output = present.reduce((sum, r) => sum + count(r.candidatesTokenCount) + count(r.thoughtsTokenCount), 0);
  const total = present.reduce((sum, r) => sum + count(r.totalTokenCount), 0);
  const details = present.every((r) => Array.isArray(r.promptTokensDetails))
    ? {
        input_tokens_details: {
          text_tokens: present.reduce((sum, r) => sum + ofModality(r.promptTokensDetails, 'TEXT'), 0),
          image_tokens: present.reduce((sum, r) => sum + ofModality(r.promptTokensDetails, 'IMAGE'), 0),
        },
      }
    : {};
  return { input_tokens: input, output_tokens: output, total_tokens: total, ...details };
}
