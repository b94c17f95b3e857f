import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { type Metrics, statusClassOf, type UpstreamStatusClass } from '../metrics/index.js';
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
  headers: IncomingHttpHeaders;
  body: T;
}

/** The status, headers and text of an answer, whichever client fetched it. */
interface ReadAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface UpstreamHttpOptions {
  baseUrl: string;
  /** Auth and protocol headers sent on every call (Authorization, x-key, …). */
  headers: Record<string, string>;
  describeError: ErrorDescriber;
  timeoutMs: number;
  /** Names the upstream in messages users see, e.g. "Black Forest Labs". */
  label: string;
  /** Where every call is counted (status class, latency), under the channel's name. */
  metrics?: { metrics: Metrics; channel: string };
}

/** What a call that threw came to, for the metrics: no answer, a cut-off answer, or our own abort. */
function failedCallClass(err: unknown, aborted: boolean): UpstreamStatusClass {
  if (aborted) return 'aborted';
  if (err instanceof UpstreamError) {
    if (err.details.status !== undefined) return statusClassOf(err.details.status);
    if (err.normalised.code === 'upstream_timeout') return 'timeout';
  }
  return 'network';
}

const MAX_REDIRECTS = 5;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

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
    const started = performance.now();
    let answer: ReadAnswer;
    try {
      answer = call.form ? await this.readViaFetch(call) : await this.readViaRequest(call);
    } catch (err) {
      this.observe(started, failedCallClass(err, call.signal?.aborted === true));
      throw err;
    }
    this.observe(started, statusClassOf(answer.status));
    const ok = answer.status >= 200 && answer.status < 300;
    if (!ok) throw this.httpError(answer.status, answer.headers['retry-after'], answer.text);
    try {
      return {
        status: answer.status,
        headers: answer.headers,
        body: (answer.text ? JSON.parse(answer.text) : null) as T,
      };
    } catch {
      // A 2xx we cannot read may still mean the task was accepted: never resubmit on it.
      throw new UpstreamError('ambiguous', {
        code: 'upstream_bad_response',
        message: `${this.options.label} answered with something that is not JSON (HTTP ${answer.status}).`,
      });
    }
  }

  /** The raw response of a successful call (downloads); non-2xx answers throw like `json`. */
  async raw(call: UpstreamCall): Promise<Response> {
    const started = performance.now();
    let response: Response;
    try {
      ({ response } = await this.send(call));
    } catch (err) {
      this.observe(started, failedCallClass(err, call.signal?.aborted === true));
      throw err;
    }
    this.observe(started, statusClassOf(response.status));
    if (!response.ok)
      throw this.httpError(
        response.status,
        response.headers.get('retry-after') ?? undefined,
        await response.text().catch(() => ''),
      );
    return response;
  }

  private observe(started: number, statusClass: UpstreamStatusClass): void {
    const target = this.options.metrics;
    target?.metrics.recordUpstreamCall(target.channel, statusClass, (performance.now() - started) / 1000);
  }

  /** Multipart bodies go through fetch, which encodes a FormData itself. */
  private async readViaFetch(call: UpstreamCall): Promise<ReadAnswer> {
    const { response, method } = await this.send(call);
    try {
      return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
    } catch (err) {
      throw this.cutOff(err, call, method, response.status);
    }
  }

  /**
   * JSON and bodiless calls — every submission and status poll — go through undici's `request`,
   * which costs a fraction of `fetch` per call (no WHATWG streams; see bench/upstream-throughput.ts).
   * Failures are classified exactly as for fetch.
   */
  private async readViaRequest(call: UpstreamCall): Promise<ReadAnswer> {
    const { timeoutMs, timeout, signal, headers, method, jsonBody: body } = this.prepare(call);
    let answer;
    try {
      answer = await request(this.url(call.path), { method, headers, body, signal, maxRedirections: MAX_REDIRECTS });
    } catch (err) {
      throw this.noAnswer(err, call, timeout, method, timeoutMs);
    }
    try {
      return { status: answer.statusCode, headers: answer.headers, text: await answer.body.text() };
    } catch (err) {
      throw this.cutOff(err, call, method, answer.statusCode);
    }
  }

  private prepare(call: UpstreamCall) {
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...call.headers };
    const jsonBody = call.json !== undefined ? JSON.stringify(call.json) : undefined;
    if (jsonBody !== undefined) headers['content-type'] = 'application/json';
    const method = call.method ?? (jsonBody !== undefined || call.form ? 'POST' : 'GET');
    return { timeoutMs, timeout, signal, headers, method, jsonBody };
  }

  private async send(call: UpstreamCall): Promise<{ response: Response; method: string }> {
    const { timeoutMs, timeout, signal, headers, method, jsonBody } = this.prepare(call);
    const body = jsonBody ?? call.form;
    try {
      return {
        response: await fetch(this.url(call.path), { method, headers, body, signal, redirect: 'follow' }),
        method,
      };
    } catch (err) {
      throw this.noAnswer(err, call, timeout, method, timeoutMs);
    }
  }

  /** A call that got no answer at all: see UpstreamFailure. */
  private noAnswer(err: unknown, call: UpstreamCall, timeout: AbortSignal, method: string, timeoutMs: number): unknown {
    if (call.signal?.aborted) return err;
    const code = timeout.aborted ? 'timeout' : networkCode(err);
    const timedOut = code === 'timeout' || code === 'UND_ERR_HEADERS_TIMEOUT';
    if (timedOut && method === 'POST') {
      // The request went out and no answer came: a synchronous API may be generating (and billing) it
      // right now, so repeating it could run the work twice.
      return new UpstreamError('ambiguous', {
        code: 'upstream_timeout',
        message: `${this.options.label} did not answer within ${Math.round(timeoutMs / 1000)} s; it may still be doing the work, so the request was not repeated.`,
      });
    }
    return new UpstreamError('not_accepted', {
      code: timedOut ? 'upstream_timeout' : 'upstream_unreachable',
      message: timedOut
        ? `${this.options.label} did not answer within ${Math.round(timeoutMs / 1000)} s.`
        : `Could not reach ${this.options.label}${code ? ` (${code})` : ''}.`,
    });
  }

  /**
   * The answer started and then broke off (reset, timeout mid-body). The upstream had the request
   * and began answering, so a POST may have been accepted and must not be repeated; a read may be.
   */
  private cutOff(err: unknown, call: UpstreamCall, method: string, status: number): unknown {
    if (call.signal?.aborted) return err;
    const message = `${this.options.label}'s answer (HTTP ${status}) broke off before it was complete.`;
    if (method === 'POST')
      return new UpstreamError('ambiguous', {
        code: 'upstream_bad_response',
        message: `${message} It may have accepted the work, so the request was not repeated.`,
      });
    return new UpstreamError('not_accepted', { code: 'upstream_unreachable', message });
  }

  private httpError(status: number, retryAfter: string | string[] | undefined, text: string): UpstreamError {
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const described = this.options.describeError(status, body, text);
    const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : (retryAfter ?? null));
    const details = { status, retryAfterMs, upstreamCode: described.upstreamCode };
    const message = `${this.options.label}: ${described.message}`;
    if (described.policy) {
      return new UpstreamError('rejected', { code: 'content_policy_violation', message, ...described.policy }, details);
    }
    if (status === 401 || status === 403 || described.keyRejected) {
      return new UpstreamError(
        'key_rejected',
        { code: 'upstream_auth_failed', message: `${this.options.label} refused the API key (HTTP ${status}).` },
        details,
      );
    }
    if (status === 429) return new UpstreamError('not_accepted', { code: 'upstream_rate_limited', message }, details);
    // Out of credits on this account: another channel may still serve the job.
    if (status === 402)
      return new UpstreamError('not_accepted', { code: 'upstream_quota_exhausted', message }, details);
    if (status >= 500) return new UpstreamError('not_accepted', { code: 'upstream_error', message }, details);
    if (status === 404) return new UpstreamError('rejected', { code: 'upstream_not_found', message }, details);
    return new UpstreamError('rejected', { code: 'upstream_invalid_request', message }, details);
  }
}

/** Reads `error.message`-style fields from the common error body shapes. */
export function messageFrom(body: unknown, text: string, status: number): string {
  // biome-ignore lint/suspicious/noExplicitAny: error bodies come in many shapes; each candidate is checked to be a string below.
  const b = body as Record<string, any> | null;
  const candidates = [
    b?.error?.message,
    b?.message,
    b?.msg,
    b?.detail?.[0]?.msg,
    typeof b?.detail === 'string' ? b.detail : undefined,
    b?.error,
    b?.base_resp?.status_msg,
  ];
  const found = candidates.find((c) => typeof c === 'string' && c.trim());
  if (found) return found.trim().slice(0, 500);
  return text.trim() ? `HTTP ${status}: ${text.trim().slice(0, 200)}` : `HTTP ${status}`;
}
