import { v1Path } from '../v1-path.js';

/** Hosts BFL hands out polling URLs on (api.bfl.ai, api.eu.bfl.ai, api.us1.bfl.ai, legacy api.bfl.ml). */
const BFL_HOST = /(^|\.)bfl\.(ai|ml)$/i;

/**
 * Where to poll a task. BFL asks clients to use the `polling_url` it returned (it names the region
 * that holds the task); the x-key goes with the call, so that URL is followed only on BFL's own
 * hosts or the channel's configured host (a proxy or test server). Otherwise, and when BFL gave
 * none, `/v1/get_result?id=` on the channel's base URL.
 */
export function pollTarget(baseUrl: string, op: { id: string; pollingUrl: string }): string {
  const fallback = `${v1Path(baseUrl, 'get_result')}?id=${encodeURIComponent(op.id)}`;
  let url: URL;
  try {
    url = new URL(op.pollingUrl);
  } catch {
    return fallback;
  }
  const sameHost = url.host === new URL(baseUrl).host;
  const bflHost = url.protocol === 'https:' && BFL_HOST.test(url.hostname);
  return (url.protocol === 'https:' || url.protocol === 'http:') && (sameHost || bflHost) ? url.toString() : fallback;
}
