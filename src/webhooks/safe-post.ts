import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isBlockedAddress, matchesAllowlist } from '../net/ip-policy.js';

export interface SafePostOptions {
  timeoutMs: number;
  /** Same setting as reference fetching (MEDIAGATE_FETCH_ALLOWLIST). */
  allowlist: readonly string[];
}

/** Why a delivery attempt failed; `permanent` ones are not retried. */
export class WebhookSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** How much of a receiver's answer is read (and then dropped). */
const MAX_RESPONSE_BYTES = 64 * 1024;

async function vetHost(url: URL, allowlist: readonly string[]): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await lookup(host, { all: true, verbatim: true }).catch(() => []);
  if (addresses.length === 0) throw new WebhookSendError(`could not resolve ${url.host}`, false);
  for (const { address } of addresses) {
    if (isBlockedAddress(address) && !matchesAllowlist(host, address, allowlist)) {
      throw new WebhookSendError(`${url.host} resolves to ${address}, a private, loopback or link-local address`, true);
    }
  }
  return addresses[0];
}

/**
 * POSTs a webhook under the reference-fetching rules: the host is resolved and vetted, the socket
 * goes to the vetted address (no DNS rebinding), redirects are not followed, and time is bounded.
 * Resolves with the HTTP status; network failures reject with a retryable WebhookSendError.
 */
export async function safePost(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: SafePostOptions,
): Promise<number> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new WebhookSendError('not a valid URL', true);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookSendError(`${url.protocol} URLs cannot receive webhooks`, true);
  const pinned = await vetHost(url, opts.allowlist);
  const pinnedLookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  return new Promise<number>((resolve, reject) => {
    const req = client.request(url, {
      method: 'POST',
      lookup: pinnedLookup,
      signal,
      agent: false,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    req.once('response', (res) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_RESPONSE_BYTES) res.destroy();
      });
      res.once('close', () => resolve(res.statusCode ?? 0));
      res.once('error', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', (err) =>
      reject(
        new WebhookSendError(
          signal.aborted ? `no answer within ${opts.timeoutMs} ms` : `could not connect to ${url.host}: ${err.message}`,
          false,
        ),
      ),
    );
    req.end(body);
  });
}
