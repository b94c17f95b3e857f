import { isIP } from 'node:net';
import { badRequest } from '../errors/generation-error.js';
import { isBlockedAddress, matchesAllowlist } from '../net/ip-policy.js';

/**
 * Checks a webhook URL when it is given, so an obviously unreachable target is a 400 rather than a
 * delivery that fails later. Names are resolved (and vetted again) at every delivery, like
 * reference fetching; here only literal addresses and `localhost` can be judged.
 */
export function checkWebhookUrl(raw: string, allowlist: readonly string[], param = 'webhook_url'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(`${param} is not a valid URL.`, param, 'invalid_webhook_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest(`${param} must be an http or https URL.`, param, 'invalid_webhook_url');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const literal = isIP(host) ? host : host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : undefined;
  if (literal && isBlockedAddress(literal) && !matchesAllowlist(host, literal, allowlist)) {
    throw badRequest(
      `${param} points to a private, loopback or link-local address, which webhooks may not reach. Use a public URL.`,
      param,
      'webhook_url_not_allowed',
    );
  }
  return url.toString();
}

/** Scheme, host and port of a URL: what logs may show of a webhook target (paths and queries can hold tokens). */
export function originOf(raw: string): string {
  try {
    return new URL(raw).origin;
  } catch {
    return '(invalid URL)';
  }
}
