import type { AccountService } from '../../accounts/account-service.js';
import type { AdminAuthenticator } from './admin-auth.js';

export interface AdminDeps {
  authenticator: AdminAuthenticator;
  operator: AccountService;
  /** Called after a change to keys or accounts, so that this instance's key caches see it at once. */
  customersChanged(): void;
}
