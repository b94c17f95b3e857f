import { createHmac } from 'node:crypto';

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An HS256 JWT as Kling expects it: `iss` = access key, valid from 5 s ago for `ttlSeconds`. */
export function signKlingJwt(accessKey: string, secretKey: string, nowMs = Date.now(), ttlSeconds = 1800): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iss: accessKey, exp: now + ttlSeconds, nbf: now - 5 }));
  const signature = createHmac('sha256', secretKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Tokens are reused for this long, well inside their 30-minute life. */
const REUSE_MS = 20 * 60_000;

/**
 * One channel key as Kling credentials. The key is `access:secret` (KLING_ACCESS_KEY and
 * KLING_SECRET_KEY joined by the env shortcut); a key without a colon is sent as-is as the Bearer
 * token, for the single API keys the newer console issues (unconfirmed by the official docs).
 */
export class KlingCredentials {
  private token = '';
  private issuedAt = 0;
  private readonly accessKey: string;
  private readonly secretKey?: string;

  constructor(key: string) {
    const colon = key.indexOf(':');
    this.accessKey = colon < 0 ? key : key.slice(0, colon);
    if (colon >= 0) this.secretKey = key.slice(colon + 1);
  }

  bearer(now = Date.now()): string {
    if (this.secretKey === undefined) return this.accessKey;
    if (!this.token || now - this.issuedAt >= REUSE_MS) {
      this.token = signKlingJwt(this.accessKey, this.secretKey, now);
      this.issuedAt = now;
    }
    return this.token;
  }
}
