import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminUsage, toAdminUsage } from '../../api-objects/usage-objects.js';
import { usageCsv, usageReport } from '../../billing/usage.js';
import { usagePeriod, usageQueryFields } from '../usage/usage-query.js';
import type { AdminViewDeps } from './views.js';

const schema = {
  operationId: 'adminRetrieveUsage',
  tags: ['Admin: usage'],
  summary: "Every account's usage, filtered; JSON or CSV",
  description:
    'From the ledger: each ended job counts once, on the day it ended, with the credits captured for it. `format=csv` or `Accept: text/csv` answers CSV (RFC 4180): a header row, one row per group, and a last row `total`.',
  querystring: z.object({
    account: z.string().max(128).optional().describe('An account id.'),
    key: z.string().max(128).optional().describe('An API key id.'),
    model: z.string().max(128).optional().describe('A public model name.'),
    ...usageQueryFields,
    format: z.enum(['json', 'csv']).optional().describe('`csv` for a spreadsheet (the same as `Accept: text/csv`).'),
  }),
  response: {
    200: {
      description: 'The usage report.',
      content: {
        'application/json': { schema: adminUsage },
        'text/csv': { schema: z.string().meta({ contentMediaType: 'text/csv' }) },
      },
    },
  },
};

/** `GET /admin/v1/usage`. */
export async function adminUsageRoutes(app: FastifyInstance, deps: AdminViewDeps): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get('/usage', { schema }, async (request, reply) => {
    const { account, key, model, format } = request.query;
    const report = await usageReport(deps.db, {
      ...usagePeriod(request.query),
      ...(account !== undefined && { accountId: account }),
      ...(key !== undefined && { apiKeyId: key }),
      ...(model !== undefined && { model }),
    });
    const wantsCsv = format === 'csv' || (format === undefined && /\btext\/csv\b/.test(request.headers.accept ?? ''));
    if (wantsCsv) {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="mediagate-usage.csv"')
        .send(usageCsv(report));
    }
    return toAdminUsage(report, { account, key, model }, deps.billing);
  });
}
