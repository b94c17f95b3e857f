import { z } from 'zod';
import { ConfigError } from '../config/errors.js';

type ChannelOptions = Readonly<Record<string, unknown>>;

/** Non-blank text, trimmed; undefined for anything else, so that a lenient option falls back to its default. */
export const textOption = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;

/**
 * Parses one protocol's channel `options` with its schema (declared next to the adapter), once, when
 * the channel is built. The first problem stops the start as `${subject} "${option}" ${message}`;
 * schemas give each option a message that says what it must be.
 */
export function parseChannelOptions<S extends z.ZodType>(
  schema: S,
  options: ChannelOptions,
  subject: string,
): z.output<S> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(`${subject} "${issue.path.join('.')}" ${issue.message}`);
}

/** An option that is one of `allowed`, `fallback` when unset. */
export const oneOfOption = <const T extends readonly [string, ...string[]]>(allowed: T, fallback: T[number]) =>
  z.enum(allowed, { error: `must be one of ${allowed.join(', ')}.` }).default(fallback as never);

/** An option that is true or false, `fallback` when unset. */
export const flagOption = (fallback: boolean) => z.boolean({ error: 'must be true or false.' }).default(fallback);

/** A number within [min, max]; `what` ends the message, e.g. `a number from 1 to 10.` */
export const numberOption = (min: number, max: number, what: string) =>
  z
    .number({ error: `must be ${what}` })
    .min(min, { error: `must be ${what}` })
    .max(max, { error: `must be ${what}` });
