import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ModelPrice, modelPriceSchema, type PriceRule } from '../../billing/config-billing.js';
import {
  priceList,
  priceObject,
  priceReset,
  toPriceList,
  toPriceObject,
  toPriceReset,
} from '../../api-objects/price-objects.js';
import { catalogName } from '../../catalog/index.js';
import { badRequest } from '../errors.js';
import { errorResponse } from '../openapi/response-schemas.js';
import type { AdminDeps } from './deps.js';

const tags = ['Admin: prices'];

/*
 * Prices in the API are snake_case; inside (config, price book) they are camelCase. Bodies are mapped here,
 * answers in src/api-objects/price-objects.ts.
 */

const credits = z.number().int().min(0).describe('Credits (integers).');

const priceRuleBody = z
  .object({
    quality: z.string().max(50).optional(),
    size: z.string().max(50).optional().describe('`WxH`.'),
    resolution: z.string().max(50).optional().describe('`720p`, `1080p` (videos).'),
    per_image: credits.optional(),
    per_second: credits.optional(),
  })
  .strict();

const priceBody = z
  .object({
    per_image: credits.optional().describe('Credits per image delivered (image models).'),
    per_second: credits.optional().describe('Credits per second of video delivered (video models).'),
    rules: z
      .array(priceRuleBody)
      .max(100)
      .optional()
      .describe('Prices for requests matching every condition a rule names; the first match wins.'),
  })
  .strict();

const modelParams = z.object({ model: z.string().max(200) });

function fromBody(body: z.infer<typeof priceBody>): ModelPrice {
  const rules: PriceRule[] = (body.rules ?? []).map((rule) => ({
    ...(rule.quality !== undefined && { quality: rule.quality }),
    ...(rule.size !== undefined && { size: rule.size }),
    ...(rule.resolution !== undefined && { resolution: rule.resolution }),
    ...(rule.per_image !== undefined && { perImage: rule.per_image }),
    ...(rule.per_second !== undefined && { perSecond: rule.per_second }),
  }));
  const parsed = modelPriceSchema.safeParse({
    ...(body.per_image !== undefined && { perImage: body.per_image }),
    ...(body.per_second !== undefined && { perSecond: body.per_second }),
    rules,
  });
  if (!parsed.success) throw badRequest(`Invalid price: ${parsed.error.issues[0]?.message ?? 'rejected'}.`);
  return parsed.data;
}

/** The price list: read it, set a model's price at run time (stored, so every instance agrees), reset it. */
export async function priceRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operator, billing } = deps;

  routes.get(
    '/prices',
    {
      schema: {
        operationId: 'adminListPrices',
        tags,
        summary: 'Every priced model, with where its price comes from, and what a credit is worth',
        response: { 200: priceList },
      },
    },
    async () => toPriceList(await operator.listPrices(), billing),
  );

  routes.put(
    '/prices/:model',
    {
      schema: {
        operationId: 'adminSetPrice',
        tags,
        summary: "Set a model's price (applies to jobs created from now on; running jobs keep their quote)",
        params: modelParams,
        body: priceBody,
        response: { 200: priceObject },
      },
    },
    async (request) => {
      return toPriceObject(await operator.setPrice(request.params.model, fromBody(request.body)));
    },
  );

  routes.delete(
    '/prices/:model',
    {
      schema: {
        operationId: 'adminResetPrice',
        tags,
        summary: 'Drop the price set through this API: the configured or default price applies again',
        params: modelParams,
        response: { 200: priceReset, 400: errorResponse },
      },
    },
    async (request) => {
      const { model } = request.params;
      return toPriceReset(catalogName(model), await operator.resetPrice(model));
    },
  );
}
