import { z } from 'zod';
import { numberOption, parseChannelOptions } from '../channel-options.js';

const wholeNumber = (min: number, max: number) =>
  numberOption(min, max, `a whole number from ${min} to ${max}.`).int({
    error: `must be a whole number from ${min} to ${max}.`,
  });

/**
 * Channel `options` for BFL (documented in index.ts), checked once when the channel is built: an
 * out-of-range value would have BFL answer every job with a 422, so it stops the start instead.
 * The ranges are BFL's own (0–6 tolerance, 1–50 steps, 1.5–5 guidance).
 */
const bflOptionsSchema = z
  .object({
    safety_tolerance: wholeNumber(0, 6).default(2),
    /** BFL's own default (false) when absent, so nothing is sent. */
    prompt_upsampling: z.boolean({ error: 'must be true or false.' }).optional(),
    steps: wholeNumber(1, 50).optional(),
    guidance: numberOption(1.5, 5, 'a number from 1.5 to 5.').optional(),
  })
  .transform(({ safety_tolerance, prompt_upsampling, steps, guidance }) => ({
    safetyTolerance: safety_tolerance,
    ...(prompt_upsampling !== undefined && { promptUpsampling: prompt_upsampling }),
    ...(steps !== undefined && { steps }),
    ...(guidance !== undefined && { guidance }),
  }));

export type BflOptions = z.output<typeof bflOptionsSchema>;

export function readBflOptions(options: Readonly<Record<string, unknown>>): BflOptions {
  return parseChannelOptions(bflOptionsSchema, options, 'bfl channel option');
}
