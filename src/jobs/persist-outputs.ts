import { request } from 'undici';
import { UpstreamError } from '../providers/errors.js';
import type { ProviderOutput } from '../providers/types.js';
import { ObjectTooLargeError } from '../storage/spool.js';
import type { MediaStore, StoredObject } from '../storage/types.js';
import { signedLinkExpiry } from './link-expiry.js';
import type { JobResult } from './types.js';

export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** A link that no longer serves the result: retrying cannot help, unless the link is known to be still valid. */
const GONE = new Set([401, 403, 404, 410]);
/** Client errors that may pass on a retry; any other 4xx is the upstream's final word. */
const TRANSIENT_4XX = new Set([408, 429]);

/**
 * Moves each provider output into mediagate's own storage, so links never depend on the upstream
 * (BFL's expire in ten minutes, most others in a day). Downloads stream to disk.
 */
export async function persistOutputs(
  outputs: ProviderOutput[],
  media: MediaStore,
  limits: DownloadLimits,
): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const output of outputs) {
    const stored = await storeOutput(output, media, limits);
    results.push({
      key: stored.key,
      contentType: stored.contentType,
      bytes: stored.bytes,
      ...(output.width !== undefined && { width: output.width }),
      ...(output.height !== undefined && { height: output.height }),
      ...(output.seconds !== undefined && { seconds: output.seconds }),
    });
  }
  return results;
}

async function storeOutput(output: ProviderOutput, media: MediaStore, limits: DownloadLimits): Promise<StoredObject> {
  const { source, contentType } = output;
  switch (source.type) {
    case 'file':
      return media.putFile(source.path, contentType);
    case 'bytes':
      return media.put(source.data, contentType);
    case 'stored': {
      const sha256 = source.key.split('/')[1].split('.')[0];
      // Stored moments ago by this run: no need to ask the disk again.
      if (source.bytes !== undefined) return { key: source.key, contentType, bytes: source.bytes, sha256 };
      const found = await media.stat(source.key);
      if (!found)
        throw new UpstreamError('rejected', {
          code: 'result_missing',
          message: 'A result stored earlier is no longer in storage.',
        });
      return { key: source.key, contentType, bytes: found.bytes, sha256 };
    }
    case 'url':
      return download(source.url, source.headers, contentType, media, limits, output.expiresAt);
  }
}

async function download(
  url: string,
  headers: Record<string, string> | undefined,
  contentType: string,
  media: MediaStore,
  limits: DownloadLimits,
  expiresAt = signedLinkExpiry(url),
): Promise<StoredObject> {
  // Operator-configured upstreams hand out these links; they are not user input, so no address policy applies.
  let response: UpstreamResponse;
  try {
    response = await requestKeepingHeadersOnOrigin(url, headers, AbortSignal.timeout(limits.timeoutMs));
  } catch {
    throw new UpstreamError('not_accepted', {
      code: 'result_download_failed',
      message: 'The result could not be downloaded from the upstream.',
    });
  }
  const status = response.statusCode;
  if (GONE.has(status) && !(expiresAt !== undefined && expiresAt > Date.now())) {
    await discard(response);
    throw new UpstreamError(
      'rejected',
      {
        code: 'result_expired',
        message: `The upstream's result link no longer works (HTTP ${status}); it has probably expired.`,
      },
      { status },
    );
  }
  if (status < 200 || status >= 300) {
    await discard(response);
    const final = status >= 400 && status < 500 && !GONE.has(status) && !TRANSIENT_4XX.has(status);
    throw new UpstreamError(
      final ? 'rejected' : 'not_accepted',
      { code: 'result_download_failed', message: `The result download failed with HTTP ${status}.` },
      { status },
    );
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await discard(response);
    throw tooLarge(limits.maxBytes);
  }
  try {
    return await media.putStream(response.body, contentType, limits.maxBytes);
  } catch (err) {
    if (err instanceof ObjectTooLargeError) throw tooLarge(limits.maxBytes);
    throw new UpstreamError('not_accepted', {
      code: 'result_download_failed',
      message: 'The result download was interrupted.',
    });
  }
}

const MAX_REDIRECTS = 5;

type UpstreamResponse = Awaited<ReturnType<typeof request>>;

/** Reads and drops what is left of a body, so the connection can be reused; its errors do not matter. */
const discard = (response: UpstreamResponse) => response.body.dump().catch(() => {});

/**
 * Follows redirects itself so the channel's auth headers (an API key in `x-goog-api-key`, say) go
 * only to the origin the upstream named, never to the storage host it redirects to. undici's
 * `request` rather than `fetch`: its body is a Node stream whose failure (a connection cut mid-body)
 * rejects the pipeline reading it, where fetch's could surface as an uncaught exception.
 */
async function requestKeepingHeadersOnOrigin(
  url: string,
  headers: Record<string, string> | undefined,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const response = await request(current, { method: 'GET', headers: sameOrigin ? headers : undefined, signal });
    // undici destroys the body with the connection's error even after its reader is done with it (a
    // socket closed right after a cut-off answer); without a listener that error would be uncaught.
    // Readers see errors through their own listeners all the same.
    response.body.on('error', () => {});
    const location = response.headers.location;
    if (response.statusCode < 300 || response.statusCode >= 400 || typeof location !== 'string') return response;
    await discard(response);
    if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
    current = new URL(location, current).toString();
  }
}

const tooLarge = (maxBytes: number) =>
  new UpstreamError('rejected', {
    code: 'result_too_large',
    message: `The upstream's result is larger than the ${Math.round(maxBytes / 1048576)} MiB limit.`,
  });
