/**
 * For an upstream without a negative-prompt field: the negative prompt appended to the prompt as an
 * instruction, `Avoid: …`, rather than dropped.
 */
export const withAvoidLine = (prompt: string, negativePrompt: string | undefined): string =>
  negativePrompt ? `${prompt}\nAvoid: ${negativePrompt}` : prompt;
