import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { answerShuttingDown, type ShutdownSignal } from './shutdown-signal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route still answers while the gateway stops (health probes: a balancer must see "not ready", not a refusal). */
    answersWhileStopping?: boolean;
  }
}

/** Route config of the health probes (`{ schema, config: answersWhileStopping }`). */
export const answersWhileStopping = { answersWhileStopping: true } as const;

export interface Drain {
  /** Requests being answered right now (streams included). */
  readonly inFlight: number;
  /** Resolves true once every request in flight has been answered, false when `timeoutMs` passed first. */
  drained(timeoutMs: number): Promise<boolean>;
}

/**
 * Once the gateway stops, a request arriving on a connection that is still open (keep-alive) is
 * refused with a 503 `server_shutting_down` before it is authenticated or does any work; new
 * connections are refused by the closed listener. The health probes (`answersWhileStopping`) still
 * answer, so a balancer learns the instance is not ready. Every request's response is tracked, so the stop
 * can wait for the answers already under way (streams' last lines, waiting requests' 503s) before
 * the connections are cut.
 */
export function registerDrain(app: FastifyInstance, shutdown: ShutdownSignal): Drain {
  const open = new Set<ServerResponse>();
  let onEmpty: (() => void) | undefined;
  app.addHook('onRequest', async (request, reply) => {
    const res = reply.raw;
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      if (open.size === 0) onEmpty?.();
    });
    if (shutdown.stopping && !request.routeOptions.config.answersWhileStopping) return answerShuttingDown(reply);
  });
  return {
    get inFlight() {
      return open.size;
    },
    drained(timeoutMs) {
      if (open.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        onEmpty = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
  };
}
