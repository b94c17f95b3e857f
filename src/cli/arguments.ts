import { InvalidArgumentError } from 'commander';
import type { PriceRule } from '../billing/config-billing.js';
import { DURATION_HINT, PAST_TIME_HINT, parseDuration, parsePastTime } from '../billing/time-expressions.js';

// Parsers for option and argument values. Each throws commander's InvalidArgumentError, which the CLI
// reports as a usage error (exit code 2) naming the option and the value given.

const WHOLE = /^\d+$/;
const SIGNED = /^[+-]?\d+$/;

function wholeNumber(text: string, what: string): number {
  const value = Number(text);
  if (!WHOLE.test(text.trim()) || !Number.isSafeInteger(value))
    throw new InvalidArgumentError(`${what} must be a whole number, e.g. 5000000 (got "${text}").`);
  return value;
}

/** Money: a whole number of credits, ≥ 0 (1 credit = $0.000001 with the default settings). */
export function credits(text: string): number {
  if (!WHOLE.test(text.trim()))
    throw new InvalidArgumentError(
      `Amounts are whole numbers of credits (1,000,000 credits = 1 USD by default), without separators or decimals, e.g. 5000000 (got "${text}").`,
    );
  return wholeNumber(text, 'The amount');
}

/** A positive amount of credits (a top-up). */
export function positiveCredits(text: string): number {
  const value = credits(text);
  if (value === 0) throw new InvalidArgumentError('The amount must be more than 0 credits.');
  return value;
}

/** A signed, non-zero amount of credits (an adjustment: negative takes credits away). */
export function signedCredits(text: string): number {
  const value = Number(text);
  if (!SIGNED.test(text.trim()) || !Number.isSafeInteger(value) || value === 0)
    throw new InvalidArgumentError(
      `An adjustment is a non-zero whole number of credits, negative to take credits away, e.g. -250000 (got "${text}").`,
    );
  return value;
}

/** A count such as a rate limit or a list length: a whole number ≥ 1. */
export function positiveInt(text: string): number {
  const value = wholeNumber(text, 'The value');
  if (value < 1) throw new InvalidArgumentError(`The value must be 1 or more (got "${text}").`);
  return value;
}

const NONE_WORDS = new Set(['none', 'unlimited', 'off']);

/**
 * What `none` parses to. Not null: commander turns an option parser's null into "" (it reads null as
 * "no value given"), so the parsers return this and `cleared` turns it into null for the service.
 */
export const NONE = Symbol('none');

/** For `update` commands: a value, or `none` to remove the limit. */
export function orNone<T>(parse: (text: string) => T): (text: string) => T | typeof NONE {
  return (text) => (NONE_WORDS.has(text.trim().toLowerCase()) ? NONE : parse(text));
}

/** An option's value for the service: `none` becomes null; undefined (not given) stays undefined. */
export const cleared = <T>(value: T | typeof NONE): Exclude<T, typeof NONE> | null =>
  value === NONE ? null : (value as Exclude<T, typeof NONE>);

/** A model allow-list: comma-separated public model names. */
export function modelList(text: string): string[] {
  const models = text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (models.length === 0)
    throw new InvalidArgumentError('Give at least one model, comma-separated, e.g. gpt-image-1,sora-2.');
  return models;
}

/** A model allow-list, or `all` / `none` to remove it (every model allowed). */
export function modelListOrAll(text: string): string[] | typeof NONE {
  return ['all', ...NONE_WORDS].includes(text.trim().toLowerCase()) ? NONE : modelList(text);
}

/**
 * When a key stops working: a duration from now (`30d`) or a date (`2027-01-31`, or a full ISO time).
 * Returns a timestamp in milliseconds.
 */
export function expiry(now = Date.now()): (text: string) => number {
  return (text) => {
    const span = parseDuration(text);
    if (span !== undefined) return now + span;
    const time = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
    if (Number.isNaN(time))
      throw new InvalidArgumentError(`Give ${DURATION_HINT}, or a date such as 2027-01-31 (got "${text}").`);
    if (time <= now) throw new InvalidArgumentError(`${text} is in the past; a key must expire in the future.`);
    return time;
  };
}

/** The start or end of a period, for `usage --since/--until`: the API's own forms (see `parsePastTime`). */
export function pastTime(now = Date.now()): (text: string) => number {
  return (text) => {
    const time = parsePastTime(text, now);
    if (time === undefined) throw new InvalidArgumentError(`Give ${PAST_TIME_HINT} (got "${text}").`);
    return time;
  };
}

/** Repeatable options collect into a list. */
export function collect<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return (text, previous) => [...(previous ?? []), parse(text)];
}

const RULE_CONDITIONS = ['quality', 'size', 'resolution'] as const;

/** A price rule as typed: `quality=high,size=1024x1024:167000` (conditions, then the price). */
export interface RuleText {
  conditions: Pick<PriceRule, (typeof RULE_CONDITIONS)[number]>;
  amount: number;
}

export function priceRule(text: string): RuleText {
  const at = text.lastIndexOf(':');
  const hint = `Write a rule as conditions and a price, e.g. 'quality=high,size=1024x1024:167000' (got "${text}").`;
  if (at <= 0) throw new InvalidArgumentError(hint);
  const conditions: RuleText['conditions'] = {};
  for (const part of text.slice(0, at).split(',')) {
    const [name, value, extra] = part.split('=').map((s) => s.trim());
    if (!value || extra !== undefined) throw new InvalidArgumentError(hint);
    if (!(RULE_CONDITIONS as readonly string[]).includes(name))
      throw new InvalidArgumentError(
        `A rule can match on ${RULE_CONDITIONS.join(', ')}; "${name}" is not one of them (in "${text}").`,
      );
    conditions[name as (typeof RULE_CONDITIONS)[number]] = value;
  }
  return { conditions, amount: credits(text.slice(at + 1)) };
}
