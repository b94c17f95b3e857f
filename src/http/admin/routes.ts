import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './deps.js';
import { accountManagementRoutes } from './account-management-routes.js';
import { accountRoutes } from './account-routes.js';
import { keyRoutes } from './key-routes.js';
import { priceRoutes } from './price-routes.js';
import { adminChannelRoutes } from './channels-routes.js';
import { adminJobRoutes } from './jobs-routes.js';
import { adminUsageRoutes } from './usage-routes.js';

/** `/admin/v1/*`: the operator's API. Every route in this scope needs an admin key. */
export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.decorateRequest('adminKey', null as never);
  app.addHook('onRequest', async (request) => {
    request.adminKey = await deps.authenticator.authenticate(request);
  });
  await app.register(async (scope) => accountRoutes(scope, deps));
  await app.register(async (scope) => accountManagementRoutes(scope, deps));
  await app.register(async (scope) => keyRoutes(scope, deps));
  await app.register(async (scope) => priceRoutes(scope, deps));
  await app.register(async (scope) => adminUsageRoutes(scope, deps.views));
  await app.register(async (scope) => adminJobRoutes(scope, deps.views));
  await app.register(async (scope) => adminChannelRoutes(scope, deps.views));
}
