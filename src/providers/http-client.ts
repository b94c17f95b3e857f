import { parseRetryAfter, UpstreamError } from './errors.js';

/** What a provider reads out of an upstream's error body; each protocol has its own shape. */
export interface ErrorDescription {
  message: string;
  upstreamCode?: string;
  /** The upstream refused the content itself: report it as a policy block at this stage. */
  policy?: { stage: 'input_image' | 'prompt' | 'output'; category: string };
  /** The key is invalid although the status is not 401/403 (Gemini answers 400 API_KEY_INVALID). */
  keyRejected?: boolean;
}

export type ErrorDescriber = (status: number, body: unknown, text: string) => ErrorDescription;

export interface UpstreamCall {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Relative to the channel's base URL, or absolute (polling URLs handed out by the upstream). */
  path: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface UpstreamReply<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface UpstreamHttpOptions {
  baseUrl: string;
  /** Auth and protocol headers sent on every call (Authorization, x-key, …). */
  headers: Record<string, string>;
  describeError: ErrorDescriber;
  timeoutMs: number;
  /** Names the upstream in messages users see, e.g. "Black Forest Labs". */
  label: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

function networkCode(err: unknown): string | undefined {
  let current = err as { code?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (current.code && NETWORK_CODES.has(current.code)) return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

export function joinUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * One upstream account's HTTP: JSON in and out, a timeout per call, and every failure turned into
 * an UpstreamError that says whether the work could have been accepted (see UpstreamFailure).
 */
export class UpstreamHttp {
  constructor(private readonly options: UpstreamHttpOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** The auth headers of this channel key, for downloads that need them (Veo files, `/content`). */
  get authHeaders(): Record<string, string> {
    return { ...this.options.headers };
  }

  url(path: string): string {
    return joinUrl(this.options.baseUrl, path);
  }

  async json<T = unknown>(call: UpstreamCall): Promise<UpstreamReply<T>> {
    const response = await this.send(call);
    const text = await response.text();
    if (!response.ok) throw this.httpError(response, text);
    try {
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
    } catch {
      // A 2xx we cannot read may still mean the task was accepted: never resubmit on it.
      throw new UpstreamError('ambiguous', {
        code: 'upstream_bad_response',
        message: `${this.options.label} answered with something that is not JSON (HTTP ${response.status}).`,
      });
    }
  }

  /** The raw response of a successful call (downloads); non-2xx answers throw like `json`. */
  async raw(call: UpstreamCall): Promise<Response> {
    const response = await this.send(call);
    if (!response.ok) throw this.httpError(response, await response.text().catch(() => ''));
    return response;
  }

  private async send(call: UpstreamCall): Promise<Response> {
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...call.headers };
    let body: string | FormData | undefined;
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.form) body = call.form;
    const method = call.method ?? (body ? 'POST' : 'GET');
    try {
      return await fetch(this.url(call.path), { method, headers, body, signal, redirect: 'follow' });
    } catch (err) {
      if (call.signal?.aborted) throw err;
      const code = timeout.aborted ? 'timeout' : networkCode(err);
      const timedOut = code === 'timeout' || code === 'UND_ERR_HEADERS_TIMEOUT';
      if (timedOut && method === 'POST') {
        // The request went out and no answer came: a synchronous API may be generating (and billing) it
        // right now, so repeating it could run the work twice.
        return Promise.reject(
          new UpstreamError('ambiguous', {
            code: 'upstream_timeout',
            message: `${this.options.label} did not answer within ${Math.round(timeoutMs / 1000)} s; it may still be doing the work, so the request was not repeated.`,
          }),
        );
      }
      return Promise.reject(
        new UpstreamError('not_accepted', {
          code: timedOut ? 'upstream_timeout' : 'upstream_unreachable',
          message: timedOut
            ? `${this.options.label} did not answer within ${Math.round(timeoutMs / 1000)} s.`
            : `Could not reach ${this.options.label}${code ? ` (${code})` : ''}.`,
        }),
      );
    }
  }

  private httpError(response: Response, text: string): UpstreamError {
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const status = response.status;
    const described = this.options.describeError(status, body, text);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const details = { status, retryAfterMs, upstreamCode: described.upstreamCode };
    const message = `${this.options.label}: ${described.message}`;
    if (described.policy) {
      return new UpstreamError('rejected', { code: 'content_policy_violation', message, ...described.policy }, details);
    }
    if (status === 401 || status === 403 || described.keyRejected) {
      return new UpstreamError('key_rejected', { code: 'upstream_auth_failed', message: `${this.options.label} refused the API key (HTTP ${status}).` }, details);
    }
    if (status === 429) return new UpstreamError('not_accepted', { code: 'upstream_rate_limited', message }, details);
    // Out of credits on this account: another channel may still serve the job.
    if (status === 402) return new UpstreamError('not_accepted', { code: 'upstream_quota_exhausted', message }, details);
    if (status >= 500) return new UpstreamError('not_accepted', { code: 'upstream_error', message }, details);
    if (status === 404) return new UpstreamError('rejected', { code: 'upstream_not_found', message }, details);
    return new UpstreamError('rejected', { code: 'upstream_invalid_request', message }, details);
  }
}

/** Reads `error.message`-style fields from the common error body shapes. */
export function messageFrom(body: unknown, text: string, status: number): string {
  const b = body as Record<string, any> | null;
  const candidates = [b?.error?.message, b?.message, b?.msg, b?.detail?.[0]?.msg, typeof b?.detail === 'string' ? b.detail : undefined, b?.error, b?.base_resp?.status_msg];
  const found = candidates.find((c) => typeof c === 'string' && c.trim());
  if (found) return found.trim().slice(0, 500);
  return text.trim() ? `HTTP ${status}: ${text.trim().slice(0, 200)}` : `HTTP ${status}`;
}
