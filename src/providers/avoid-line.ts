import type { GenerationRequest } from '../intent/types.js';
import { adjusted } from './snap.js';

/**
 * For an upstream without a negative-prompt field: the negative prompt appended to the prompt as an
 * instruction, `Avoid: …`, rather than dropped.
 */
export const withAvoidLine = (prompt: string, negativePrompt: string | undefined): string =>
  negativePrompt ? `${prompt}\nAvoid: ${negativePrompt}` : prompt;

/** `req` with a note that its negative prompt goes upstream as an `Avoid:` line (for `adapt`). */
export const notingAvoidLine = (req: GenerationRequest, upstreamModel: string): GenerationRequest =>
  req.negativePrompt ? adjusted(req, { kind: 'negative_prompt_in_prompt', model: upstreamModel }) : req;
