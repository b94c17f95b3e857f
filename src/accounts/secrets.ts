import { createHash, randomBytes } from 'node:crypto';

/** Keys are stored by SHA-256: enough for secrets of 192 random bits, and cheap on every request. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A new secret: a recognisable prefix, then 192 random bits. */
export const newSecret = (prefix: 'sk-mg' | 'mg-admin') => `${prefix}-${randomBytes(24).toString('base64url')}`;

/** What is stored to recognise a key: its first characters, never enough to use it. */
export const secretPrefix = (secret: string) =>
  // A key the operator chose may be short: then only a few characters are kept.
  secret.slice(0, secret.startsWith('mg-admin-') ? 12 : secret.startsWith('sk-mg-') ? 9 : 4);

export const newId = (prefix: 'acct' | 'key' | 'adm') => `${prefix}_${randomBytes(8).toString('hex')}`;

/** Model allow-lists are stored as JSON arrays. */
export const readModels = (text: string | null): string[] | null => {
  if (text === null) return null;
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((m): m is string => typeof m === 'string') : null;
};

export const writeModels = (models: readonly string[] | null | undefined) =>
  models === null || models === undefined ? null : JSON.stringify([...new Set(models)]);

/** The models both lists allow (null allows all). */
export function narrowModels(account: string[] | null, key: string[] | null): string[] | null {
  if (account === null) return key;
  if (key === null) return account;
  return key.filter((m) => account.includes(m));
}
