/** Limits an account sets for all its keys; a key's own limits can only narrow them. */
export interface Limits {
  /** Public model names allowed; null allows every model. */
  models: string[] | null;
  /** Requests per minute that create jobs; null is unlimited. */
  rpmLimit: number | null;
  /** Jobs running at once; null is unlimited. */
  concurrencyLimit: number | null;
}

export type AccountStatus = 'active' | 'suspended';

/** A customer, as the admin API and the CLI show it. Money in credits. */
export interface Account extends Limits {
  id: string;
  name: string;
  status: AccountStatus;
  balance: number;
  /** Held by running jobs; `balance - reserved` is what new jobs can use. */
  reserved: number;
  activeJobs: number;
  /** Prepaid accounts cannot spend beyond their balance; postpaid ones (the default account) are only metered. */
  prepaid: boolean;
  monthlySpendLimit: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A customer key as the operator sees it; never the secret, which exists only in the create answer. */
export interface CustomerKey extends Limits {
  id: string;
  accountId: string;
  name: string;
  /** First characters of the secret, to recognise it. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
  spendLimit: number | null;
  spent: number;
  reserved: number;
  activeJobs: number;
}

/** What a request authenticated with a customer key may do: the key narrowed by its account. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  accountId: string;
  accountStatus: AccountStatus;
  createdAt: number;
  revokedAt: number | null;
  expiresAt: number | null;
  /** The intersection of the key's and the account's allow-lists; null allows every model. */
  allowedModels: string[] | null;
  keyRpmLimit: number | null;
  accountRpmLimit: number | null;
}

export const DEFAULT_ACCOUNT_ID = 'acct_default';
