import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isBlockedAddress, matchesAllowlist } from './ip-policy.js';

export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Hostnames, `*.suffix` patterns or CIDRs that may be reached although private. */
  allowlist: readonly string[];
  userAgent?: string;
}

export type FetchRefusal =
  | 'blocked_address'
  | 'bad_scheme'
  | 'too_large'
  | 'timeout'
  | 'too_many_redirects'
  | 'http_status'
  | 'network';

export class FetchRefusedError extends Error {
  constructor(
    readonly reason: FetchRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchedBody {
  data: Buffer;
  contentType: string | null;
  finalUrl: string;
}

/** getaddrinfo cannot be cancelled, so the overall deadline is raced against it. */
function resolveAll(host: string, signal: AbortSignal): Promise<{ address: string; family: number }[]> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    lookup(host, { all: true, verbatim: true })
      .catch(() => [])
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Resolves the host and vets every address; the request then goes to the vetted address only. */
async function vetHost(
  url: URL,
  allowlist: readonly string[],
  signal: AbortSignal,
  redirected: boolean,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await resolveAll(host, signal);
  if (addresses.length === 0) throw new FetchRefusedError('network', `Could not resolve the host of ${url.origin}.`);
  for (const { address } of addresses) {
    if (isBlockedAddress(address) && !matchesAllowlist(host, address, allowlist)) {
      const where = literal ? `${address} is` : `it resolves to ${address},`;
      throw new FetchRefusedError(
        'blocked_address',
        `Refused to fetch ${url.origin}${redirected ? ' (reached by a redirect)' : ''}: ${where} a private, loopback or link-local address. Use a public URL or a data: URL.`,
      );
    }
  }
  return addresses[0];
}

function requestOnce(
  url: URL,
  pinned: { address: string; family: number },
  opts: SafeFetchOptions,
  signal: AbortSignal,
) {
  const pinnedLookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      lookup: pinnedLookup,
      signal,
      agent: false,
      headers: { 'user-agent': opts.userAgent ?? 'mediagate/0.1 (+reference-fetch)', accept: 'image/*' },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readBody(res: http.IncomingMessage, maxBytes: number, origin: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new FetchRefusedError('too_large', `${origin} sent ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      res.destroy();
      throw new FetchRefusedError('too_large', `${origin} sent more than the ${maxBytes}-byte limit.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * GET a user-supplied URL without letting it reach the gateway's own network: every hop (redirects
 * included) is resolved and vetted, the socket connects to the vetted address (no DNS rebinding),
 * and time, size and redirect count are bounded.
 */
export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<FetchedBody> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new FetchRefusedError('bad_scheme', `"${rawUrl.slice(0, 100)}" is not a valid URL.`);
  }
  try {
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new FetchRefusedError('bad_scheme', `Only http and https URLs can be fetched, not ${url.protocol}.`);
      }
      const pinned = await vetHost(url, opts.allowlist, controller.signal, hop > 0);
      const res = await requestOnce(url, pinned, opts, controller.signal);
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        if (hop >= opts.maxRedirects)
          throw new FetchRefusedError(
            'too_many_redirects',
            `${rawUrl} redirected more than ${opts.maxRedirects} times.`,
          );
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status < 200 || status > 299) {
        res.resume();
        throw new FetchRefusedError('http_status', `${url.origin} answered HTTP ${status}.`);
      }
      const data = await readBody(res, opts.maxBytes, url.origin);
      return { data, contentType: res.headers['content-type'] ?? null, finalUrl: url.toString() };
    }
  } catch (err) {
    if (err instanceof FetchRefusedError) throw err;
    if (controller.signal.aborted)
      throw new FetchRefusedError('timeout', `Fetching ${url.origin} took longer than ${opts.timeoutMs} ms.`);
    throw new FetchRefusedError('network', `Could not fetch ${url.origin}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
