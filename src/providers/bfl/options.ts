/** Channel `options` for BFL, read once when the channel is built (see index.ts for the list). */
export interface BflOptions {
  safetyTolerance: number;
  promptUpsampling?: boolean;
  steps?: number;
  guidance?: number;
}

const inRange = (value: unknown, min: number, max: number, integer: boolean): number | undefined => {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (integer && !Number.isInteger(value)) return undefined;
  return value >= min && value <= max ? value : undefined;
};

/**
 * Out-of-range values are ignored rather than sent: BFL would answer every job with a 422.
 * The ranges are BFL's own (0–6 tolerance, 1–50 steps, 1.5–5 guidance).
 */
export function readBflOptions(options: Readonly<Record<string, unknown>>): BflOptions {
  const steps = inRange(options.steps, 1, 50, true);
  const guidance = inRange(options.guidance, 1.5, 5, false);
  return {
    safetyTolerance: inRange(options.safety_tolerance, 0, 6, true) ?? 2,
    ...(typeof options.prompt_upsampling === 'boolean' && { promptUpsampling: options.prompt_upsampling }),
    ...(steps !== undefined && { steps }),
    ...(guidance !== undefined && { guidance }),
  };
}
