import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Parsed JSON body, when the request sent JSON. */
  json?: any;
  /** Parsed multipart/form-data body, when the request sent a form. */
  form?: FormData;
  /** When it arrived (unix ms). */
  at?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A fault served instead of the route's answer: an HTTP error, a dropped connection, or a delay. */
/**
 * `reset` drops the connection before answering; `cutOff` starts a 200 answer and drops the
 * connection half-way through its body (the upstream had the request and began to answer).
 * `heldUntil` holds the request until the promise settles, then answers it from the route (a test
 * makes something happen upstream before the gateway sees the answer).
 */
export type Fault =
  | Reply
  | { reset: true }
  | { cutOff: true }
  | { delayMs: number; then?: Reply }
  | AfterAccept
  | { heldUntil: Promise<unknown> };

/**
 * The route runs (a create makes its task, as the real upstream would) and then its answer is lost:
 * `cutOff` starts a 200 and drops the connection half-way through the body; `hang` never answers
 * (the client times out). The request is ambiguous to the client although the task exists.
 */
export interface AfterAccept {
  afterAccept: 'cutOff' | 'hang';
}

/** An answer the route writes itself, for what a Reply cannot say: a stream of events, or a connection dropped mid-answer. */
export interface WrittenReply {
  write(res: ServerResponse): void | Promise<void>;
}

type Handler = (req: RecordedRequest) => Reply | WrittenReply | Promise<Reply | WrittenReply>;

interface RouteEntry {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/**
 * A small HTTP server that fakes an upstream provider for tests and benchmarks: routes answer with
 * JSON or bytes, every request is recorded, and faults can be queued per route (consumed in order)
 * to exercise retries, failover and key retirement. Each provider's fake builds its documented
 * protocol on top of this.
 */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Added before every answer, to hold requests open (concurrency tests). */
  latencyMs = 0;
  private readonly routes: RouteEntry[] = [];
  private readonly faults: { method: string; pattern: RegExp; queue: Fault[] }[] = [];
  private readonly faultWindows: { method: string; pattern: RegExp; until: number; faults: Fault[]; served: number }[] =
    [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  url = '';

  route(method: string, pattern: RegExp | string, handler: Handler): this {
    const regex =
      typeof pattern === 'string' ? new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : pattern;
    this.routes.push({ method, pattern: regex, handler });
    return this;
  }

  /** Serves the next `faults.length` matching requests with these faults, in order. */
  injectFaults(method: string, pattern: RegExp, faults: Fault[]): this {
    this.faults.push({ method, pattern, queue: [...faults] });
    return this;
  }

  /**
   * Serves every matching request for the next `ms` milliseconds with these faults, in turn (an
   * outage of a given length rather than a given number of requests). Queued faults go first.
   */
  injectFaultWindow(method: string, pattern: RegExp, ms: number, faults: Fault[]): this {
    this.faultWindows.push({ method, pattern, until: Date.now() + ms, faults: [...faults], served: 0 });
    return this;
  }

  /** Requests received that match, e.g. submissions: `count('POST', /^\/v1\/videos$/)`. */
  count(method: string, pattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path)).length;
  }

  matching(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private windowFault(recorded: RecordedRequest): Fault | undefined {
    const now = recorded.at ?? Date.now();
    const window = this.faultWindows.find(
      (w) => w.method === recorded.method && w.pattern.test(recorded.path) && now < w.until,
    );
    return window?.faults[window.served++ % window.faults.length];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      await this.answer(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private routeFor(recorded: RecordedRequest): RouteEntry | undefined {
    return this.routes.find((r) => r.method === recorded.method && r.pattern.test(recorded.path));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      at: Date.now(),
    };
    const type = req.headers['content-type'] ?? '';
    try {
      if (type.includes('application/json') && body.length > 0) recorded.json = JSON.parse(body.toString('utf8'));
      if (type.includes('multipart/form-data'))
        recorded.form = await new Response(body, { headers: { 'content-type': type } }).formData();
    } catch {
      return send(res, {
        status: 400,
        body: { error: { message: 'Malformed request body', type: 'invalid_request_error', param: null, code: null } },
      });
    }
    this.requests.push(recorded);

    const fault =
      this.faults
        .find((f) => f.method === recorded.method && f.pattern.test(recorded.path) && f.queue.length > 0)
        ?.queue.shift() ?? this.windowFault(recorded);
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'cutOff' in fault) return cutOff(res);
    if (fault && 'afterAccept' in fault) {
      await this.routeFor(recorded)?.handler(recorded);
      if (fault.afterAccept === 'cutOff') return cutOff(res);
      return; // hangs until the client gives up and closes the connection
    }
    if (fault && 'heldUntil' in fault) await fault.heldUntil.catch(() => {});
    else if (fault && 'delayMs' in fault) {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.then) return send(res, fault.then);
    } else if (fault) return send(res, fault);

    const route = this.routeFor(recorded);
    if (!route)
      return send(res, {
        status: 404,
        body: {
          error: {
            message: `No route ${recorded.method} ${recorded.path}`,
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        },
      });
    try {
      const reply = await route.handler(recorded);
      if ('write' in reply) await reply.write(res);
      else send(res, reply);
    } catch (err) {
      send(res, {
        status: 500,
        body: {
          error: {
            message: `fake upstream crashed: ${(err as Error).message}`,
            type: 'server_error',
            param: null,
            code: null,
          },
        },
      });
    }
  }
}

function cutOff(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
  res.write('{"created": 1700000000, "data": [{"b64_', () => res.socket?.destroy());
}

function send(res: ServerResponse, reply: Reply): void {
  // A written reply that failed half-way has already sent its headers; there is nothing left to say.
  if (res.destroyed || res.headersSent) return;
  const headers = { ...reply.headers };
  let payload: Buffer | string = '';
  if (Buffer.isBuffer(reply.body)) payload = reply.body;
  else if (typeof reply.body === 'string') payload = reply.body;
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(reply.status, { 'content-length': String(Buffer.byteLength(payload)), ...headers });
  res.end(payload);
}

/** Milliseconds since `since`, for fakes whose tasks advance with the clock. */
export const elapsed = (since: number) => Date.now() - since;
