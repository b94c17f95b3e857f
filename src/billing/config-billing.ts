import { z } from 'zod';

/** A unit price up to 10^12 credits: times n and seconds it stays an exact integer. */
const credits = z.number().int().min(0).max(1_000_000_000_000);

/**
 * A price that applies when every condition it names matches the request: `quality` and `size`
 * (`WxH`) for images, `resolution` (`720p`, `1080p`) or `size` for videos.
 */
export const priceRuleSchema = z
  .object({
    quality: z.string().optional(),
    size: z.string().optional(),
    resolution: z.string().optional(),
    perImage: credits.optional(),
    perSecond: credits.optional(),
  })
  .strict();

/** One public model's price, in credits (integers): per image, or per second of video. */
export const modelPriceSchema = z
  .object({
    perImage: credits.optional(),
    perSecond: credits.optional(),
    /** First match wins; the base price applies when none matches. */
    rules: z.array(priceRuleSchema).default([]),
  })
  .strict();

export type PriceRule = z.infer<typeof priceRuleSchema>;
export type ModelPrice = z.infer<typeof modelPriceSchema>;

export const billingSchema = z
  .object({
    /**
     * Off: no reservation, ledger entry or charge for any job (a private, single-user gateway).
     * Rate limits and key checks still apply.
     */
    enabled: z.boolean().default(true),
    /**
     * Credits per currency unit, for people reading amounts (1,000,000: a credit is a micro-dollar).
     * Amounts themselves are always integers in credits.
     */
    creditsPerUnit: z.number().int().positive().default(1_000_000),
    currency: z.string().default('USD'),
    /** What happens to a model with no price: served free, or refused. */
    unpricedModels: z.enum(['free', 'refuse']).default('refuse'),
    /** Prices by public model, over the embedded defaults (prices.ts); the admin API can change them at run time. */
    prices: z.record(z.string(), modelPriceSchema).default({}),
  })
  .prefault({});

export type BillingConfig = z.infer<typeof billingSchema>;
