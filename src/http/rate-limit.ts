import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiKeyRecord } from '../accounts/types.js';
import type { RateLimit, RateState, RequestCounter } from '../limits/request-counter.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route creates a job: its requests count against the key's and the account's requests per minute. */
    createsJob?: boolean;
  }
}

/** Route config of every endpoint that creates a job (`{ schema, config: createsJob }`). */
export const createsJob = { createsJob: true } as const;

/** The per-minute limits a request with this key counts against: the key's own, and its account's. */
export function limitsOf(key: ApiKeyRecord): RateLimit[] {
  const limits: RateLimit[] = [];
  if (key.keyRpmLimit !== null) limits.push({ scope: 'key', id: key.id, limit: key.keyRpmLimit });
  if (key.accountRpmLimit !== null) limits.push({ scope: 'account', id: key.accountId, limit: key.accountRpmLimit });
  return limits;
}

/**
 * OpenAI's duration format for `x-ratelimit-reset-requests` (Go's: `1s`, `6m0s`, `17.28s`, `500ms`),
 * from milliseconds.
 */
export function formatReset(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = ((whole % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

/** `Retry-After`: whole seconds until the window ends, at least 1. */
const retryAfterSeconds = (state: RateState) => Math.max(1, Math.ceil(state.resetMs / 1000));

/**
 * Set on the raw response so they go out with every answer to the request: JSON, errors, and the
 * streams that write their own head (`reply.hijack()`).
 */
function setRateHeaders(reply: FastifyReply, state: RateState): void {
  reply.raw.setHeader('x-ratelimit-limit-requests', String(state.limit));
  reply.raw.setHeader('x-ratelimit-remaining-requests', String(state.remaining));
  reply.raw.setHeader('x-ratelimit-reset-requests', formatReset(state.resetMs));
}

function tooManyRequests(state: RateState): ApiError {
  const wait = retryAfterSeconds(state);
  const who = state.scope === 'key' ? 'this API key' : 'this account (all its keys together)';
  return new ApiError(
    429,
    `Rate limit reached: limit of ${state.limit} requests per minute for ${who}. Try again in ${wait} s.`,
    'requests',
    null,
    'rate_limit_exceeded',
    // No `x-should-retry`: a per-minute limit lets the SDKs' automatic retry through after this wait.
    { 'retry-after': String(wait) },
  );
}

/**
 * Requests per minute, on the routes marked `createsJob` only: reading a job or polling a video is
 * never limited. Runs after authentication (register it after the API-key hook), before the body is
 * read, so a refused request costs one database statement per limit and nothing else.
 */
export function registerRateLimits(app: FastifyInstance, counter: RequestCounter): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config.createsJob || !request.apiKey) return;
    const limits = limitsOf(request.apiKey);
    if (limits.length === 0) return;
    const decision = await counter.admit(limits);
    if (decision.state) setRateHeaders(reply, decision.state);
    if (!decision.allowed) throw tooManyRequests(decision.state);
  });
}
