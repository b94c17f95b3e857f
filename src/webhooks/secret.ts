import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WebhookSecret {
  secret: string;
  /** Set when this start generated the secret and wrote it here. */
  createdFile?: string;
}

/**
 * The signing secret: `webhooks.secret` when configured, else the one stored in
 * `<dataDir>/webhook-secret` (mode 0600), created on first use. Instances that share a database
 * but not a data dir should all be configured with the same secret.
 */
export async function loadWebhookSecret(configured: string | undefined, dataDir: string): Promise<WebhookSecret> {
  if (configured) return { secret: configured };
  const file = join(dataDir, 'webhook-secret');
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (stored) return { secret: stored };
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  // `wx`: of two processes starting at once, the second reads what the first wrote.
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return { secret: (await readFile(file, 'utf8')).trim() };
  }
  return { secret, createdFile: file };
}
