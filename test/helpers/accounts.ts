import OpenAI from 'openai';
import { TEST_ADMIN_KEY } from './gateway.js';

/** Calls the admin API with the test admin key; returns status and parsed body. */
export async function admin<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  key = TEST_ADMIN_KEY,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${baseUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

export interface FundedCustomer {
  accountId: string;
  keyId: string;
  key: string;
  client: OpenAI;
}

/** A new prepaid account with `balance` credits and one key, through the admin API, and an `openai` client for it. */
export async function fundedCustomer(
  baseUrl: string,
  balance: number,
  options: { account?: Record<string, unknown>; key?: Record<string, unknown>; maxRetries?: number } = {},
): Promise<FundedCustomer> {
  const account = await admin<{ id: string }>(baseUrl, 'POST', '/accounts', {
    name: 'customer',
    balance,
    ...options.account,
  });
  if (account.status !== 201) throw new Error(`account: ${account.status} ${JSON.stringify(account.body)}`);
  const key = await admin<{ id: string; key: string }>(baseUrl, 'POST', `/accounts/${account.body.id}/keys`, {
    name: 'test key',
    ...options.key,
  });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${JSON.stringify(key.body)}`);
  return {
    accountId: account.body.id,
    keyId: key.body.id,
    key: key.body.key,
    client: new OpenAI({
      apiKey: key.body.key,
      baseURL: `${baseUrl}/v1`,
      maxRetries: options.maxRetries ?? 0,
      timeout: 60_000,
    }),
  };
}
