import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Metrics } from '../metrics/index.js';
import { ApiError } from './errors.js';
import { errorResponse } from './openapi/response-schemas.js';

/** Decides whether a request may read /metrics; throws an ApiError (401/403) when it may not. */
export type MetricsAuthorizer = (request: FastifyRequest) => void | Promise<void>;

const exposition = z.string().meta({
  contentMediaType: 'text/plain',
  description: 'Prometheus text exposition format 0.0.4.',
});

/**
 * `GET /metrics` in Prometheus text format. On the main port it is behind `authorize` (an admin key);
 * the separate metrics listener serves it without one (see `startMetricsListener`).
 */
export async function metricsRoutes(
  app: FastifyInstance,
  options: { metrics: Metrics; authorize?: MetricsAuthorizer },
): Promise<void> {
  const { metrics, authorize } = options;
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        tags: ['Meta'],
        summary: 'Prometheus metrics',
        description:
          'Requests, jobs, upstream calls, open streams, moderation outcomes and credits, plus process metrics. Needs an admin key, unless the operator serves metrics on their own port (`MEDIAGATE_METRICS_PORT`), in which case this path is not on the main port.',
        ...(authorize && { security: [{ bearerAuth: [] }] }),
        response: {
          200: { description: 'Every series.', content: { 'text/plain': { schema: exposition } } },
          ...(authorize && { 401: errorResponse, 403: errorResponse }),
        },
      },
      ...(authorize && { onRequest: async (request: FastifyRequest) => authorize(request) }),
    },
    async (_request, reply) => {
      const text = await metrics.scrape();
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
    },
  );
}

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The metrics port (`MEDIAGATE_METRICS_PORT`): GET /metrics without authentication, nothing else. A
 * bare HTTP server: it shares nothing with the API (no auth, no body parsing, no API routes).
 */
export async function startMetricsListener(metrics: Metrics, port: number, host: string): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      const error = new ApiError(
        404,
        `Only GET /metrics is served on this port.`,
        'invalid_request_error',
        null,
        'not_found',
      );
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(error.toBody()));
      return;
    }
    metrics.scrape().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect the metrics\n');
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
