import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../../accounts/account-service.js';
import type { AdminAuthenticator } from './admin-auth.js';
import { adminChannelRoutes } from './channels-routes.js';
import { adminJobRoutes } from './jobs-routes.js';
import { adminUsageRoutes } from './usage-routes.js';
import type { AdminViewDeps } from './views.js';

export interface AdminDeps {
  authenticator: AdminAuthenticator;
  operator: AccountService;
  /** Called after a change to keys or accounts, so that this instance's key caches see it at once. */
  customersChanged(): void;
  /** Usage, jobs and channels: the operator's read views and the channel test. */
  views: AdminViewDeps;
}

/** `/admin/v1/*`: the operator's API. Every route in this scope needs an admin key. */
export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.decorateRequest('adminKey', null as never);
  app.addHook('onRequest', async (request) => {
    request.adminKey = await deps.authenticator.authenticate(request);
  });
  await app.register(async (scope) => adminUsageRoutes(scope, deps.views));
  await app.register(async (scope) => adminJobRoutes(scope, deps.views));
  await app.register(async (scope) => adminChannelRoutes(scope, deps.views));
}
