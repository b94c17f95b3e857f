import type { GenerationRequest } from '../intent/types.js';
import type { ModelPrice, PriceRule } from './config-billing.js';

/**
 * What a job may cost at most, fixed when it is created: its reservation. The job keeps its quote,
 * so a price changed while it runs changes nothing about its charge.
 */
export interface Quote {
  unit: 'image' | 'second';
  /** Credits per image, or per second of video. */
  unitPrice: number;
  /** Outputs asked for (n). */
  outputs: number;
  /** Units in one output: 1 image, or the video's seconds. */
  unitsPerOutput: number;
  /** unitPrice × outputs × unitsPerOutput: the reservation. */
  amount: number;
}

/** The delivered part of a quote: what is captured when a job ends. */
export interface Charge {
  units: number;
  amount: number;
}

const matches = (rule: PriceRule, request: GenerationRequest): boolean =>
  (rule.quality === undefined || rule.quality === request.quality) &&
  (rule.size === undefined || rule.size === `${request.width}x${request.height}`) &&
  (rule.resolution === undefined || rule.resolution === request.resolution);

/** The unit price for the request, or undefined when the model has none for its kind. */
export function unitPrice(price: ModelPrice, request: GenerationRequest): number | undefined {
  const field = request.kind === 'video' ? 'perSecond' : 'perImage';
  const rule = price.rules.find((r) => r[field] !== undefined && matches(r, request));
  return rule?.[field] ?? price[field];
}

/** The most the request can cost, at a known unit price. */
export function quoteAt(price: number, request: GenerationRequest): Quote {
  const unitsPerOutput = request.kind === 'video' ? Math.max(1, Math.ceil(request.seconds ?? 1)) : 1;
  const outputs = Math.max(1, request.n);
  return {
    unit: request.kind === 'video' ? 'second' : 'image',
    unitPrice: price,
    outputs,
    unitsPerOutput,
    amount: price * outputs * unitsPerOutput,
  };
}

/** A delivered output, as far as its charge goes. */
export interface DeliveredOutput {
  seconds?: number;
}

/**
 * The charge for what was delivered: each image, and each video's seconds (rounded, never more than
 * were quoted: a video snapped from 10 s to 8 s is charged 8). Never more than the reservation.
 */
export function chargeFor(quote: Quote, delivered: readonly DeliveredOutput[]): Charge {
  let units = 0;
  for (const output of delivered.slice(0, quote.outputs)) {
    if (quote.unit === 'image') units += 1;
    else units += Math.min(quote.unitsPerOutput, Math.max(0, Math.round(output.seconds ?? quote.unitsPerOutput)));
  }
  return { units, amount: Math.min(quote.amount, units * quote.unitPrice) };
}
