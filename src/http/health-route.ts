import type { FastifyInstance } from 'fastify';
import { healthResponse } from './openapi/response-schemas.js';

/** `GET /health`: liveness, without authentication. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/health',
    { schema: { operationId: 'health', tags: ['Meta'], summary: 'Liveness check', response: { 200: healthResponse } } },
    async () => ({ status: 'ok' as const }),
  );
}
