import { z } from 'zod';
import type { BillingConfig } from '../billing/config-billing.js';
import type { PricedModel } from '../billing/price-book.js';

/*
 * Prices as the admin API answers them and `mediagate prices … --json` prints them: snake_case, where the
 * config and the price book are camelCase. Mapped explicitly here.
 */

const credits = z.number().int().min(0).describe('Credits (integers).');

export const priceRuleObject = z.object({
  quality: z.string().nullable(),
  size: z.string().nullable(),
  resolution: z.string().nullable(),
  per_image: credits.nullable(),
  per_second: credits.nullable(),
});

export const priceObject = z.object({
  object: z.literal('price'),
  model: z.string(),
  per_image: credits.nullable(),
  per_second: credits.nullable(),
  rules: z.array(priceRuleObject),
  source: z
    .enum(['default', 'config', 'admin'])
    .describe('default: embedded list; config: billing.prices; admin: set through this API.'),
});

export const priceList = z.object({
  object: z.literal('list'),
  data: z.array(priceObject),
  unit: z
    .object({ credits_per_unit: z.number().int(), currency: z.string() })
    .describe('How many credits make one currency unit (billing.creditsPerUnit, billing.currency).'),
});

export const priceReset = z.object({
  object: z.literal('price.reset'),
  model: z.string(),
  price: priceObject.nullable().describe('The price in force now (config or default); null: the model is unpriced.'),
});

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

export function toPriceObject({ model, price, source }: PricedModel): z.infer<typeof priceObject> {
  return {
    object: 'price',
    model,
    per_image: orNull(price.perImage),
    per_second: orNull(price.perSecond),
    rules: price.rules.map((rule) => ({
      quality: orNull(rule.quality),
      size: orNull(rule.size),
      resolution: orNull(rule.resolution),
      per_image: orNull(rule.perImage),
      per_second: orNull(rule.perSecond),
    })),
    source,
  };
}

export const toPriceList = (
  prices: PricedModel[],
  billing: Pick<BillingConfig, 'creditsPerUnit' | 'currency'>,
): z.infer<typeof priceList> => ({
  object: 'list',
  data: prices.map(toPriceObject),
  unit: { credits_per_unit: billing.creditsPerUnit, currency: billing.currency },
});

/** After a reset of `model` (the catalog's spelling): the price in force now, if any. */
export const toPriceReset = (model: string, price: PricedModel | undefined): z.infer<typeof priceReset> => ({
  object: 'price.reset',
  model,
  price: price ? toPriceObject(price) : null,
});
