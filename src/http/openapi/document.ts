import { z } from 'zod';
import { chatCompletionBody } from '../chat/schema.js';
import { imageEditForm, imageEditJson, imageGenerationBody, imagesResponse } from '../images/schemas.js';
import { videoCreateBody, videoDeleted, videoList, videoRemixBody } from '../videos/schemas.js';
import { videoObject } from '../../api-objects/video-object.js';
import { webhookDefaultBody, webhookDefaultObject, webhookEventSchema } from '../../webhooks/schemas.js';
import { OPERATIONS, type OperationSpec } from './operations.js';
import { chatCompletion, errorResponse, healthResponse, jobObject, modelList, modelObject } from './response-schemas.js';

type JsonSchema = Record<string, unknown>;

/** Request bodies, described as clients send them (zod "input" side: defaults optional, coercions shown as their target). */
const REQUESTS: Record<string, z.ZodType> = {
  ChatCompletionRequest: chatCompletionBody,
  ImageGenerationRequest: imageGenerationBody,
  ImageEditForm: imageEditForm,
  ImageEditJsonRequest: imageEditJson,
  VideoCreateRequest: videoCreateBody,
  VideoRemixRequest: videoRemixBody,
  WebhookDefaultRequest: webhookDefaultBody,
};

/** Response bodies, described as the gateway sends them. */
const RESPONSES: Record<string, z.ZodType> = {
  Error: errorResponse,
  ChatCompletion: chatCompletion,
  ImagesResponse: imagesResponse,
  Video: videoObject,
  VideoList: videoList,
  DeletedVideo: videoDeleted,
  Job: jobObject,
  Model: modelObject,
  ModelList: modelList,
  WebhookDefault: webhookDefaultObject,
  WebhookEvent: webhookEventSchema,
  Health: healthResponse,
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Each registry becomes components; schemas that refer to one another do so by `$ref`. */
function componentsOf(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }).schemas as Record<string, JsonSchema>;
  // Inside an OpenAPI document the schemas are not standalone: drop their own $schema/$id.
  return Object.fromEntries(Object.entries(generated).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

function parametersOf(op: OperationSpec): JsonSchema[] {
  const parameters: JsonSchema[] = Object.entries(op.pathParams ?? {}).map(([name, description]) => ({
    name,
    in: 'path',
    required: true,
    description,
    schema: { type: 'string' },
  }));
  if (op.query) {
    const json = z.toJSONSchema(op.query, { io: 'input', target: 'draft-2020-12' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, { description, ...schema }] of Object.entries(json.properties ?? {})) {
      parameters.push({ name, in: 'query', required: json.required?.includes(name) ?? false, ...(description ? { description } : {}), schema });
    }
  }
  if (op.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Retrying with the same key and body returns the same job instead of starting another; the same key with another body is a 409. Scoped to the API key.',
      schema: { type: 'string', maxLength: 255 },
    });
  }
  return parameters;
}

function responsesOf(op: OperationSpec): JsonSchema {
  const responses: JsonSchema = {};
  for (const [status, body] of Object.entries(op.responses)) {
    if (typeof body === 'string') {
      responses[status] = { description: body === 'Error' ? 'Error (OpenAI envelope).' : 'Success.', content: { 'application/json': { schema: ref(body) } } };
    } else {
      const content = Object.fromEntries(
        Object.entries(body.raw).map(([type, description]) => [type, { schema: type === 'application/json' ? { type: 'object' } : { type: 'string', contentMediaType: type, description } }]),
      );
      responses[status] = { description: body.description, content };
    }
  }
  if (op.path === '/v1/chat/completions') {
    (responses['200'] as { content: JsonSchema }).content['text/event-stream'] = {
      schema: { type: 'string', description: 'With `stream: true`: `data: {chat.completion.chunk}` lines, then `data: [DONE]`.' },
    };
  }
  return responses;
}

function operationOf(op: OperationSpec): JsonSchema {
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    security: op.auth ? [{ bearerAuth: [] }] : [],
    parameters: parametersOf(op),
    ...(op.body && {
      requestBody: {
        required: true,
        content: Object.fromEntries(Object.entries(op.body).map(([type, name]) => [type, { schema: ref(name!) }])),
      },
    }),
    responses: responsesOf(op),
  };
}

const WEBHOOK_DESCRIPTION =
  'POSTed when a job completes or fails, to the request\'s `webhook_url`, else the API key\'s default (PUT /v1/webhooks/default), else the configured default. ' +
  'Headers: `webhook-id`, `webhook-timestamp` and `webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. ' +
  'Answer 2xx; anything else is retried with exponential backoff.';

/** The OpenAPI 3.1 document of every public endpoint, built from the schemas that validate requests. */
export function buildOpenApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationOf(op);
  const webhooks = Object.fromEntries(
    ['video.completed', 'video.failed', 'image.completed', 'image.failed'].map((type) => [
      type,
      {
        post: {
          summary: `${type} event`,
          description: WEBHOOK_DESCRIPTION,
          requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookEvent') } } },
          responses: { '200': { description: 'Any 2xx acknowledges the event.' } },
        },
      },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'mediagate',
      version,
      summary: 'OpenAI-compatible gateway for image and video generation.',
      description:
        'Chat completions, the Images API and the Videos API over one durable job engine. Authenticate with `Authorization: Bearer <key>`. Errors use OpenAI\'s envelope `{"error":{"message","type","param","code"}}`.',
    },
    servers: [{ url: '/' }],
    tags: ['Chat', 'Images', 'Videos', 'Jobs', 'Models', 'Webhooks', 'Media', 'Meta'].map((name) => ({ name })),
    paths,
    webhooks,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key. The bare `Authorization: <key>` form is accepted too.' } },
      schemas: { ...componentsOf(REQUESTS, 'input'), ...componentsOf(RESPONSES, 'output') },
    },
  };
}
