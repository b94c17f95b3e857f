import type { AccountService } from '../../accounts/account-service.js';
import type { BillingConfig } from '../../billing/config-billing.js';
import type { AdminAuthenticator } from './admin-auth.js';
import type { AdminViewDeps } from './views.js';

export interface AdminDeps {
  authenticator: AdminAuthenticator;
  operator: AccountService;
  /** What a credit is worth, for the price list. */
  billing: Pick<BillingConfig, 'creditsPerUnit' | 'currency'>;
  /** Called after a change to keys or accounts, so that this instance's key caches see it at once. */
  customersChanged(): void;
  /** Usage, jobs and channels: the operator's read views and the channel test. */
  views: AdminViewDeps;
}
