import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { renderDocsPage } from './docs-page.js';

const openApiDocument = z.record(z.string(), z.unknown()).describe('OpenAPI 3.1 document.');
const docsHtml = z.string().meta({ contentMediaType: 'text/html', description: 'Reference page.' });

/** `GET /openapi.json` and `GET /docs`, unauthenticated; generated from the routes once, on first request. */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  let page: string | undefined;
  const getDocument = () => app.swagger() as unknown as Record<string, unknown>;

  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'openapi',
        tags: ['Meta'],
        summary: 'This document',
        response: {
          200: { description: 'The document.', content: { 'application/json': { schema: openApiDocument } } },
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return getDocument();
    },
  );

  app.get(
    '/docs',
    {
      schema: {
        operationId: 'docs',
        tags: ['Meta'],
        summary: 'Readable API reference (HTML)',
        response: { 200: { description: 'The page.', content: { 'text/html': { schema: docsHtml } } } },
      },
    },
    async (_request, reply) => {
      page ??= renderDocsPage(getDocument());
      return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    },
  );
}
