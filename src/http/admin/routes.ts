import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './deps.js';
import { accountRoutes } from './account-routes.js';

/** `/admin/v1/*`: the operator's API. Every route in this scope needs an admin key. */
export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.decorateRequest('adminKey', null as never);
  app.addHook('onRequest', async (request) => {
    request.adminKey = await deps.authenticator.authenticate(request);
  });
  await app.register(async (scope) => accountRoutes(scope, deps));
}
