import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { ApiError } from './errors.js';

function describePath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

type Checked<T> = { value: T; error?: undefined } | { error: ApiError; value?: undefined };

/** The first problem becomes a 400 whose `param` names the field; the messages are the API's since its first release. */
function check<S extends z.ZodType>(schema: S, body: unknown): Checked<z.infer<S>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      error: new ApiError(
        400,
        'The request body must be a JSON object.',
        'invalid_request_error',
        null,
        'invalid_json',
      ),
    };
  }
  const result = schema.safeParse(body);
  if (result.success) return { value: result.data };
  const issue = result.error.issues[0];
  const param = describePath(issue.path);
  const missing =
    issue.code === 'invalid_type' &&
    (body as Record<string, unknown>)[String(issue.path[0])] === undefined &&
    issue.path.length === 1;
  const message = missing
    ? `Missing required parameter: '${param}'.`
    : `Invalid value for '${param || 'body'}': ${issue.message}.`;
  return {
    error: new ApiError(
      400,
      message,
      'invalid_request_error',
      param || null,
      missing ? 'missing_required_parameter' : 'invalid_value',
    ),
  };
}

/** Validates what a handler built itself (a multipart form) with the schema its route declares. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const { value, error } = check(schema, body);
  if (error) throw error;
  return value as z.infer<S>;
}

/** Parsed body → the body as the client sent it. Idempotency fingerprints hash what was sent, not what zod made of it. */
const sentBodies = new WeakMap<object, unknown>();

/** The request body as sent, for a body the route validated (anything else is returned as it is). */
export function bodyAsSent(body: unknown): unknown {
  return body !== null && typeof body === 'object' ? (sentBodies.has(body) ? sentBodies.get(body) : body) : body;
}

/**
 * The JSON body of a route that also takes multipart forms. The route validated it when it came as
 * application/json; a body in an encoding the route has no schema for (text/plain, or none at all)
 * is checked here with the same schema, so it gets the same 400.
 */
export function jsonBodyOf<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  return body !== null && typeof body === 'object' && sentBodies.has(body)
    ? (body as z.infer<S>)
    : parseBody(schema, body);
}

const unchecked = () => ({});

/**
 * Fastify's validator compiler for the zod schemas routes declare. A failure is the same ApiError
 * `parseBody` throws (Fastify passes an Error through to the error handler as it is), so a route's
 * schema answers exactly as the handlers' own checks did. Two kinds of schema only document:
 * headers, which are checked where they are read (the API key in the auth hook, Idempotency-Key when
 * the job is created), each with its own message; and multipart bodies, which Fastify cannot see
 * (the handler reads the form, then validates it with `parseBody` and the same schema).
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart, contentType, method, url }) => {
  // Caught when the route is registered (at start-up), not by the first request that reaches it.
  if (!(schema instanceof z.ZodType)) throw new Error(`${method} ${url}: the ${httpPart} schema must be a zod schema.`);
  if (httpPart === 'headers' || contentType === 'multipart/form-data') return unchecked;
  const remember = httpPart === 'body';
  return (data) => {
    const checked = check(schema, data);
    if (checked.error) return { error: checked.error };
    if (remember && checked.value !== null && typeof checked.value === 'object') sentBodies.set(checked.value, data);
    return { value: checked.value };
  };
};
