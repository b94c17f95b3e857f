import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';
import { GenerationError } from '../errors/generation-error.js';
import type { GenerationRequest } from '../intent/types.js';
import { type BillingConfig, type ModelPrice, modelPriceSchema } from './config-billing.js';
import { DEFAULT_PRICES } from './default-prices.js';
import { quoteAt, type Quote, unitPrice } from './quote.js';

/** Where a model's price came from, for the operator reading the table. */
export type PriceSource = 'default' | 'config' | 'admin';

export interface PricedModel {
  model: string;
  price: ModelPrice;
  source: PriceSource;
}

/**
 * The price list in force: embedded defaults, then the config's `billing.prices`, then prices set
 * through the admin API (stored, so every instance agrees). Read often, so the stored part is cached
 * briefly; a change made on this instance applies at once, one made on another within `cacheMs`.
 */
export class PriceBook {
  private overrides: Map<string, ModelPrice> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly config: Pick<BillingConfig, 'prices' | 'unpricedModels'>,
    private readonly cacheMs = 5_000,
  ) {}

  async list(): Promise<PricedModel[]> {
    const overrides = await this.loadOverrides();
    const models = new Set([...Object.keys(DEFAULT_PRICES), ...Object.keys(this.config.prices), ...overrides.keys()]);
    return [...models].sort().map((model) => this.resolve(model, overrides)!);
  }

  async get(model: string): Promise<PricedModel | undefined> {
    return this.resolve(model, await this.loadOverrides());
  }

  async set(model: string, price: ModelPrice, now = Date.now()): Promise<PricedModel> {
    const parsed = modelPriceSchema.parse(price);
    const json = JSON.stringify(parsed);
    await this.db
      .insertInto('price_overrides')
      .values({ model, price: json, updated_at: now })
      .onConflict((oc) => oc.column('model').doUpdateSet({ price: json, updated_at: now }))
      .execute();
    this.overrides = undefined;
    return { model, price: parsed, source: 'admin' };
  }

  /** Drops the admin-set price, so the configured or default one applies again. */
  async reset(model: string): Promise<void> {
    await this.db.deleteFrom('price_overrides').where('model', '=', model).execute();
    this.overrides = undefined;
  }

  /** The reservation for a request, or the refusal of a model with no price (by the `unpricedModels` setting). */
  async quote(request: GenerationRequest): Promise<Quote> {
    const priced = await this.get(request.model);
    const price = priced && unitPrice(priced.price, request);
    if (price !== undefined) return quoteAt(price, request);
    if (this.config.unpricedModels === 'free') return quoteAt(0, request);
    throw new GenerationError(
      'model_not_priced',
      `${request.model} has no price set for this request, so this gateway does not serve it. Ask the operator to set one.`,
      'model',
    );
  }

  private resolve(model: string, overrides: Map<string, ModelPrice>): PricedModel | undefined {
    const admin = overrides.get(model);
    if (admin) return { model, price: admin, source: 'admin' };
    const configured = this.config.prices[model];
    if (configured) return { model, price: configured, source: 'config' };
    const fallback = DEFAULT_PRICES[model];
    return fallback && { model, price: fallback, source: 'default' };
  }

  private async loadOverrides(): Promise<Map<string, ModelPrice>> {
    const now = Date.now();
    if (this.overrides && now - this.loadedAt < this.cacheMs) return this.overrides;
    const rows = await this.db.selectFrom('price_overrides').select(['model', 'price']).execute();
    const overrides = new Map<string, ModelPrice>();
    for (const row of rows) {
      const parsed = modelPriceSchema.safeParse(JSON.parse(row.price));
      if (parsed.success) overrides.set(row.model, parsed.data);
    }
    this.overrides = overrides;
    this.loadedAt = now;
    return overrides;
  }
}
