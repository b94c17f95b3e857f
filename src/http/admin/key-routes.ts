import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { keyObject, toKeyObject } from '../../api-objects/account-objects.js';
import { errorResponse } from '../openapi/response-schemas.js';
import type { AdminDeps } from './deps.js';
import { keyIdParams, limitsFromBody, updateKeyBody } from './schemas.js';

const tags = ['Admin: keys'];

/** One customer key: read it, change its limits or expiry, revoke it. Secrets never appear here. */
export async function keyRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operator } = deps;

  routes.get(
    '/keys/:id',
    {
      schema: {
        operationId: 'adminGetKey',
        tags,
        summary: 'An API key: its limits, spend and use (never the secret)',
        params: keyIdParams,
        response: { 200: keyObject, 404: errorResponse },
      },
    },
    async (request) => toKeyObject(await operator.key(request.params.id)),
  );

  routes.patch(
    '/keys/:id',
    {
      schema: {
        operationId: 'adminUpdateKey',
        tags,
        summary: "Change a key's name, allow-list, limits, spend limit or expiry",
        params: keyIdParams,
        body: updateKeyBody,
        response: { 200: keyObject, 404: errorResponse },
      },
    },
    async (request) => {
      const body = request.body;
      const key = await operator.updateKey(request.params.id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.spend_limit !== undefined && { spendLimit: body.spend_limit }),
        ...(body.expires_at !== undefined && { expiresAt: body.expires_at === null ? null : body.expires_at * 1000 }),
        ...limitsFromBody(body),
      });
      deps.customersChanged();
      return toKeyObject(key);
    },
  );

  routes.post(
    '/keys/:id/revoke',
    {
      schema: {
        operationId: 'adminRevokeKey',
        tags,
        summary: 'Revoke a key for good (idempotent: revoking again keeps the first revocation time)',
        params: keyIdParams,
        response: { 200: keyObject, 404: errorResponse },
      },
    },
    async (request) => {
      const key = await operator.revokeKey(request.params.id);
      deps.customersChanged();
      return toKeyObject(key);
    },
  );
}
