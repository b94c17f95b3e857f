import type { FastifyInstance } from 'fastify';
import { parseBody } from '../validation.js';
import type { KeyWebhookDefaults } from '../../webhooks/key-defaults.js';
import { webhookDefaultBody } from '../../webhooks/schemas.js';
import { checkWebhookUrl } from '../../webhooks/url-policy.js';

/**
 * `GET|PUT /v1/webhooks/default`: an API key sets the webhook its jobs report to when a request
 * names none. Self-service by design: a key can only change its own default.
 */
export async function webhookSettingsRoutes(app: FastifyInstance, deps: { keyDefaults: KeyWebhookDefaults; allowlist: readonly string[] }): Promise<void> {
  app.get('/v1/webhooks/default', async (request) => ({ object: 'webhook.default' as const, url: await deps.keyDefaults.get(request.apiKey.id) }));

  app.put('/v1/webhooks/default', async (request) => {
    const body = parseBody(webhookDefaultBody, request.body);
    const url = body.url === null ? null : checkWebhookUrl(body.url, deps.allowlist, 'url');
    await deps.keyDefaults.set(request.apiKey.id, url);
    return { object: 'webhook.default' as const, url };
  });
}
