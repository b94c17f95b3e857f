import type { SwaggerOptions } from '@fastify/swagger';
import { componentRef } from './components.js';
import { transform, transformObject } from './transform.js';

const WEBHOOK_DESCRIPTION =
  "POSTed when a job completes or fails, to the request's `webhook_url`, else the API key's default (PUT /v1/webhooks/default), else the configured default. " +
  'Headers: `webhook-id`, `webhook-timestamp` and `webhook-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. ' +
  'Answer 2xx; anything else is retried with exponential backoff.';

/** Webhook events are sent by the gateway, not served by a route, so they are described here. */
const webhooks = Object.fromEntries(
  ['video.completed', 'video.failed', 'image.completed', 'image.failed'].map((type) => [
    type,
    {
      post: {
        summary: `${type} event`,
        description: WEBHOOK_DESCRIPTION,
        requestBody: { required: true, content: { 'application/json': { schema: componentRef('WebhookEvent') } } },
        responses: { '200': { description: 'Any 2xx acknowledges the event.' } },
      },
    },
  ]),
);

/**
 * @fastify/swagger's options: what the document says about the API as a whole. The operations come
 * from the routes (their `schema`), turned into OpenAPI by `transform.ts`.
 */
export function openApiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'mediagate',
        version,
        summary: 'OpenAI-compatible gateway for image and video generation.',
        description:
          'Chat completions, the Images API and the Videos API over one durable job engine. Authenticate with `Authorization: Bearer <key>`. Errors use OpenAI\'s envelope `{"error":{"message","type","param","code"}}`.',
      },
      servers: [{ url: '/' }],
      tags: [
        'Chat',
        'Responses',
        'Images',
        'Videos',
        'Jobs',
        'Models',
        'Usage',
        'Webhooks',
        'Media',
        'Meta',
        'Admin: accounts',
        'Admin: keys',
        'Admin: prices',
        'Admin: usage',
        'Admin: jobs',
        'Admin: channels',
      ].map((name) => ({ name })),
      webhooks,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key. The bare `Authorization: <key>` form is accepted too.',
          },
          adminAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An admin key (MEDIAGATE_ADMIN_KEYS, or <dataDir>/initial-admin-key). Customer keys are refused.',
          },
        },
      },
    },
    transform,
    transformObject,
  } as SwaggerOptions;
}
