import type { FastifyInstance } from 'fastify';
import { answersWhileStopping } from './drain.js';
import { ApiError } from './errors.js';
import { errorResponse, healthResponse } from './openapi/response-schemas.js';

/** What readiness asks of the rest of the gateway; wired in `buildApp`. */
export interface Readiness {
  /** Migrations this build needs that the database has not applied; throws when the database does not answer. */
  missingMigrations(): Promise<string[]>;
  /** Throws when media storage cannot be written and read now. */
  checkStorage(): Promise<void>;
  /** True once the gateway has begun stopping (SIGTERM): a load balancer must stop sending new work. */
  stopping(): boolean;
  /** Each check's bound: a hung database or store answers 503 instead of hanging the balancer's probe. */
  timeoutMs: number;
  /** Told once each time readiness is lost, with the causes (never sent to the client). */
  onNotReady(problems: string[], causes: unknown[]): void;
}

class CheckTimeout extends Error {}

function bounded<T>(check: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), timeoutMs);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

const STOPPING = 'the gateway is stopping';
/** How long one round of readiness checks answers every probe. */
const READY_CHECKS_REUSED_MS = 1_000;

/**
 * What is not ready, in words an operator can act on. Fixed sentences, not the errors' own text:
 * a driver's message can carry a host, a user or a connection string.
 */
async function problemsOf(readiness: Readiness): Promise<{ problems: string[]; causes: unknown[] }> {
  const seconds = `${readiness.timeoutMs / 1000} s`;
  const problems: string[] = [];
  const causes: unknown[] = [];
  const [database, storage] = await Promise.allSettled([
    bounded(() => readiness.missingMigrations(), readiness.timeoutMs),
    bounded(() => readiness.checkStorage(), readiness.timeoutMs),
  ]);
  if (database.status === 'rejected') {
    causes.push(database.reason);
    problems.push(
      database.reason instanceof CheckTimeout
        ? `the database did not answer within ${seconds}`
        : 'the database does not answer',
    );
  } else if (database.value.length > 0) {
    problems.push(`migrations not applied: ${database.value.join(', ')}`);
  }
  if (storage.status === 'rejected') {
    causes.push(storage.reason);
    problems.push(
      storage.reason instanceof CheckTimeout
        ? `media storage did not answer within ${seconds}`
        : 'media storage cannot be written',
    );
  }
  return { problems, causes };
}

/**
 * `GET /health` and `GET /health/live`: the process answers, no I/O. `GET /health/ready`: the
 * database answers with every migration applied, storage takes a write, and the gateway is not
 * stopping; otherwise a 503 naming each cause. No authentication. Both `/health/*` routes still
 * answer while the gateway drains, so a balancer sees "not ready" rather than a refused request.
 */
export async function healthRoutes(app: FastifyInstance, readiness: Readiness): Promise<void> {
  app.get(
    '/health',
    { schema: { operationId: 'health', tags: ['Meta'], summary: 'Liveness check', response: { 200: healthResponse } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/health/live',
    {
      schema: {
        operationId: 'healthLive',
        tags: ['Meta'],
        summary: 'Liveness: the process is up (no database or storage call)',
        response: { 200: healthResponse },
      },
      config: answersWhileStopping,
    },
    async () => ({ status: 'ok' as const }),
  );
  let ready = true;
  // Unauthenticated and possibly probed by many balancers: the checks (a query, a storage write) run
  // at most once per second, whoever asks; the stopping flag is read on every call.
  let checked: { at: number; result: Promise<{ problems: string[]; causes: unknown[] }> } | undefined;
  const recentProblems = async () => {
    if (!checked || Date.now() - checked.at >= READY_CHECKS_REUSED_MS)
      checked = { at: Date.now(), result: problemsOf(readiness) };
    const { problems, causes } = await checked.result;
    return { problems: readiness.stopping() ? [...problems, STOPPING] : problems, causes };
  };
  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'healthReady',
        tags: ['Meta'],
        summary: 'Readiness: database, migrations and storage answer, and the gateway is not stopping',
        description:
          'For load balancers. 503 names what is not ready; each check is bounded by a short timeout, so a hung database answers 503 instead of hanging.',
        response: { 200: healthResponse, 503: errorResponse },
      },
      config: answersWhileStopping,
    },
    async (_request, reply) => {
      const { problems, causes } = await recentProblems();
      if (problems.length === 0) {
        ready = true;
        return { status: 'ok' as const };
      }
      if (ready) readiness.onNotReady(problems, causes);
      ready = false;
      // Answered here, not thrown: the error handler would log every probe of a balancer as a failed request.
      const error = new ApiError(503, `Not ready: ${problems.join('; ')}.`, 'server_error', null, 'not_ready');
      return reply.status(503).header('x-should-retry', 'true').send(error.toBody());
    },
  );
}
