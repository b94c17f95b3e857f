import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { KeyWebhookDefaults } from '../../webhooks/key-defaults.js';
import { webhookDefaultBody, webhookDefaultObject } from '../../webhooks/schemas.js';
import { checkWebhookUrl } from '../../webhooks/url-policy.js';

const getSchema = {
  operationId: 'getWebhookDefault',
  tags: ['Webhooks'],
  summary: "The caller's default webhook URL",
  response: { 200: webhookDefaultObject },
};

const putSchema = {
  operationId: 'setWebhookDefault',
  tags: ['Webhooks'],
  summary: "Set (or clear with null) the caller's default webhook URL",
  body: webhookDefaultBody,
  response: { 200: webhookDefaultObject },
};

/**
 * `GET|PUT /v1/webhooks/default`: an API key sets the webhook its jobs report to when a request
 * names none. Self-service by design: a key can only change its own default.
 */
export async function webhookSettingsRoutes(
  app: FastifyInstance,
  deps: { keyDefaults: KeyWebhookDefaults; allowlist: readonly string[] },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/v1/webhooks/default', { schema: getSchema }, async (request) => ({
    object: 'webhook.default' as const,
    url: await deps.keyDefaults.get(request.apiKey.id),
  }));

  routes.put('/v1/webhooks/default', { schema: putSchema }, async (request) => {
    const body = request.body;
    const url = body.url === null ? null : checkWebhookUrl(body.url, deps.allowlist, 'url');
    await deps.keyDefaults.set(request.apiKey.id, url);
    return { object: 'webhook.default' as const, url };
  });
}
