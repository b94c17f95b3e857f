import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import { z } from 'zod';
import { requiresApiKey } from '../auth.js';
import { componentName, componentRef, namedSchema } from './components.js';
import { errorResponse } from './response-schemas.js';

/*
 * Turns the zod schemas routes declare into the JSON Schema @fastify/swagger writes into
 * /openapi.json. Named schemas (components.ts) become `$ref`s; the components themselves are
 * generated afterwards from the names the operations refer to, requests as clients send them
 * (zod "input") and responses as the gateway sends them ("output").
 */

type Json = Record<string, unknown>;
type Io = 'input' | 'output';
interface ContentForm {
  description?: string;
  content: Record<string, { schema: unknown }>;
  /** Response headers, as a zod object of header name → value schema. */
  headers?: unknown;
}

const ERROR_DESCRIPTION = 'Error (OpenAI envelope).';
/** Fastify names a wildcard `*`; the one wildcard route (/media/*) takes a storage key. */
const WILDCARD = 'key';

function toJson(schema: unknown, io: Io): unknown {
  if (!(schema instanceof z.ZodType)) return schema;
  const name = componentName(schema);
  if (name) return componentRef(name);
  const { $schema: _schema, ...json } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Json;
  return json;
}

const isContentForm = (value: unknown): value is ContentForm =>
  typeof value === 'object' && value !== null && !(value instanceof z.ZodType) && 'content' in value;

function contentOf(form: ContentForm, io: Io): Json {
  return Object.fromEntries(
    Object.entries(form.content).map(([type, { schema }]) => [type, { schema: toJson(schema, io) }]),
  );
}

function responseOf(value: unknown): Json {
  if (isContentForm(value)) {
    const headers =
      value.headers === undefined ? undefined : (toJson(value.headers, 'output') as { properties?: Json }).properties;
    return {
      description: value.description ?? 'Success.',
      content: contentOf(value, 'output'),
      ...(headers && { headers }),
    };
  }
  const description = value === errorResponse ? ERROR_DESCRIPTION : 'Success.';
  return { description, content: { 'application/json': { schema: toJson(value, 'output') } } };
}

/**
 * Statuses every operation of a kind can answer, so no route has to repeat them: 401 where the
 * auth hook asks for an API key, 400 where the route validates a body or a query.
 */
function implicitErrors(schema: FastifySchema, authenticated: boolean, admin: boolean): Record<string, z.ZodType> {
  return {
    ...((schema.body !== undefined || schema.querystring !== undefined) && { 400: errorResponse }),
    ...((authenticated || admin) && { 401: errorResponse }),
    ...(admin && { 403: errorResponse }),
  };
}

/** The admin scope's hook asks for an admin key on every route under this prefix. */
const isAdminRoute = (url: string) => url.startsWith('/admin/');

function renameWildcard(params: unknown): unknown {
  const json = params as { properties?: Json; required?: string[] };
  if (!json?.properties || !('*' in json.properties)) return params;
  const { '*': wildcard, ...rest } = json.properties;
  return { ...json, properties: { [WILDCARD]: wildcard, ...rest }, required: [WILDCARD] };
}

/** Per route: zod schemas to JSON Schema, the security the auth hook applies, the implicit errors. */
export const transform: SwaggerTransform = ({ schema, url }) => {
  if (schema?.hide) return { schema, url };
  // A route without a schema is still listed (with no id or summary), so the OpenAPI test notices it.
  const declared = schema ?? {};
  const { body, querystring, params, headers, response, ...rest } = declared as FastifySchema & {
    response?: Record<string, unknown>;
  };
  const authenticated = requiresApiKey(url);
  const admin = isAdminRoute(url);
  const responses = { ...implicitErrors(declared, authenticated, admin), ...(response ?? {}) };
  const transformed: Json = {
    ...rest,
    security: authenticated ? [{ bearerAuth: [] }] : admin ? [{ adminAuth: [] }] : [],
    ...(body !== undefined && {
      body: isContentForm(body) ? { content: contentOf(body, 'input') } : toJson(body, 'input'),
    }),
    ...(querystring !== undefined && { querystring: toJson(querystring, 'input') }),
    ...(params !== undefined && { params: renameWildcard(toJson(params, 'input')) }),
    ...(headers !== undefined && { headers: toJson(headers, 'input') }),
    response: Object.fromEntries(Object.entries(responses).map(([status, value]) => [status, responseOf(value)])),
  };
  return { schema: transformed as FastifySchema, url: url.replace(/\*$/, `{${WILDCARD}}`) };
};

/** Every `$ref` name under `value`. */
function refsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') into.add(child.replace('#/components/schemas/', ''));
      else refsIn(child, into);
    }
  }
  return into;
}

/** The named schemas as components; those that refer to one another do so by `$ref`. */
function componentsOf(names: Set<string>, io: Io): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const name of names) {
    const schema = namedSchema(name);
    if (schema) registry.add(schema, { id: name });
  }
  const generated = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` })
    .schemas as Record<string, Json>;
  // Inside an OpenAPI document the schemas are not standalone: drop their own $schema/$id.
  return Object.fromEntries(Object.entries(generated).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

/** Adds the components the operations and webhooks refer to, each in the direction it is used in. */
export const transformObject: SwaggerTransformObject = (documentObject) => {
  const document = (documentObject as { openapiObject: Json }).openapiObject;
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const input = new Set<string>();
  const output = new Set<string>();
  for (const methods of Object.values(paths)) {
    // HEAD answers as GET does, without the body (RFC 9110); one operation documents both.
    if (methods.get) delete methods.head;
    for (const operation of Object.values(methods)) {
      refsIn([operation.requestBody, operation.parameters], input);
      refsIn(operation.responses, output);
    }
  }
  refsIn(document.webhooks, output);
  for (const name of input) {
    if (output.has(name))
      throw new Error(`Schema ${name} is used both in a request and in a response; give each direction its own name.`);
  }
  const components = (document.components ?? {}) as Json;
  return {
    ...document,
    components: {
      ...components,
      schemas: { ...(components.schemas as Json), ...componentsOf(input, 'input'), ...componentsOf(output, 'output') },
    },
  } as ReturnType<SwaggerTransformObject>;
};
