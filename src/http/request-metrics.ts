import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics/index.js';

/** Status recorded for a request whose client went away before any answer was sent (nginx's convention). */
const CLIENT_CLOSED = 499;

/**
 * Counts every request by route pattern (never the raw URL: ids would make a series per job) and
 * status, and times it to the end of its answer. The response's `close` is used rather than
 * `onResponse`, which a streamed (hijacked) answer never reaches. Logs one debug line per request.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.raw.headersSent ? reply.raw.statusCode : CLIENT_CLOSED;
      const seconds = (performance.now() - started) / 1000;
      metrics.recordHttpRequest(route, request.method, status, seconds);
      request.log.debug({ route, method: request.method, status, ms: Math.round(seconds * 1000) }, 'request completed');
    });
    done();
  });
}
