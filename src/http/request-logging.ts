import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

/**
 * Request ids and what the logs may carry.
 *
 * - Every request has an id: the client's `x-request-id` when it is a sane token, otherwise a new
 *   one; it is echoed in the `x-request-id` response header (streams included).
 * - Every line logged while a request is handled carries it as `reqId`, whichever logger wrote the
 *   line: `request.log` has it bound, and lines written through the shared logger (moderation, the
 *   job engine started by the request) get it from the request's async context. A job's engine lines
 *   carry `jobId` as well; a job resumed by the orphan scan has no request and carries only `jobId`.
 * - Secrets never reach a line: headers and any `key`/`secret`/`apiKey`-named field are redacted.
 */

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The client's `x-request-id` when it is one printable token of at most 128 characters; else a new id. */
export function requestIdFor(req: IncomingMessage): string {
  const presented = req.headers['x-request-id'];
  if (typeof presented === 'string' && REQUEST_ID.test(presented)) return presented;
  return `req_${randomUUID().replaceAll('-', '')}`;
}

/** Fields that may hold a secret, wherever they appear in a logged object (one level deep and at the top). */
const SECRET_FIELDS = ['key', 'secret', 'apiKey', 'api_key', 'token', 'password', 'authorization'];
const SECRET_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'cookie', 'set-cookie', 'proxy-authorization'];
const header = (base: string, name: string) => (name.includes('-') ? `${base}["${name}"]` : `${base}.${name}`);

export const LOG_REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_HEADERS.flatMap((name) => ['req.headers', 'headers', '*.headers'].map((base) => header(base, name))),
];

interface RequestContext {
  reqId: string;
}

const context = new AsyncLocalStorage<RequestContext>();
/** Marks `request.log` (and its children, which pino builds by prototype): its lines have `reqId` bound already. */
const BOUND = Symbol('mediagate.reqIdBound');

/** Adds the current request's id to lines written through a logger that does not have it bound. */
function logMixin(_merge: object, _level: number, logger: unknown): Record<string, string> {
  if ((logger as Record<symbol, unknown>)[BOUND]) return {};
  const current = context.getStore();
  return current ? { reqId: current.reqId } : {};
}

/**
 * The Fastify options for request ids and logging; `stream` takes the log lines instead of stdout
 * (tests). Every line carries `instance`, this process's id, so lines of several instances merged
 * in one place still say which wrote them.
 */
export function loggingOptions(
  level: string,
  stream?: NodeJS.WritableStream,
  instance?: string,
): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'childLoggerFactory'> {
  const base = { pid: process.pid, hostname: hostname(), ...(instance && { instance }) };
  return {
    logger: { level, base, redact: LOG_REDACT_PATHS, mixin: logMixin, ...(stream && { stream }) },
    genReqId: requestIdFor,
    childLoggerFactory(logger, bindings, options) {
      const child = logger.child(bindings, options);
      (child as unknown as Record<symbol, unknown>)[BOUND] = true;
      return child;
    },
  };
}

/**
 * Runs each request in an async context that holds its id, and echoes the id. The context is entered
 * again before validation: a body arrives in socket events, outside the context `onRequest` entered.
 */
export function registerRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    // On the raw response, so streamed (hijacked) answers carry it too.
    reply.raw.setHeader('x-request-id', request.id);
    context.run({ reqId: request.id }, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    context.run({ reqId: request.id }, done);
  });
}
