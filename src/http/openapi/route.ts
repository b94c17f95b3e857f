import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './document.js';

/** The package version, read once (src/ and dist/ sit at the same depth below the package root). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `GET /openapi.json` and `GET /docs`, unauthenticated; both are built once, on first request. */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  let document: Record<string, unknown> | undefined;
  let page: string | undefined;
  const getDocument = () => (document ??= buildOpenApiDocument(packageVersion()));

  app.get('/openapi.json', async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return getDocument();
  });

  app.get('/docs', async (_request, reply) => {
    page ??= renderDocsPage(getDocument());
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  });
}
