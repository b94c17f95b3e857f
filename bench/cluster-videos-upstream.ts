import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One upstream task and what was asked of it, for the cluster benchmark's per-job figures. */
export interface FakeTask {
  id: string;
  /** The benchmark's job tag, read from the prompt (`bench-job-<tag>`). */
  tag: string;
  createdAt: number;
  durationMs: number;
  /** Arrival time of every `GET /v1/videos/{id}`. */
  statusCalls: number[];
  contentCalls: number;
}

const TAG = /bench-job-([a-z0-9-]+)/;

/**
 * A small OpenAI `/v1/videos` upstream for benchmarks: `POST /v1/videos` (multipart or JSON) answers a
 * queued video object, `GET /v1/videos/{id}` reports progress rising with the clock until the
 * task's duration has passed, then `completed`, and `GET /v1/videos/{id}/content` serves a real
 * MP4. `GET /v1/videos` lists tasks newest first (what the gateway reads to find a lost submission).
 * Unlike test/fakes/openai-videos.ts it keeps only timings, so it stays cheap at thousands of
 * tasks, and each task's duration is the one set when it was created.
 */
export class FakeVideosUpstream {
  readonly tasks = new Map<string, FakeTask>();
  /** Duration of tasks created from now on. */
  durationMs = 10_000;
  private server?: Server;

  constructor(
    private readonly key: string,
    private readonly video: Buffer,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.answer(req, res).catch(() => res.destroy());
    });
    this.server.keepAliveTimeout = 75_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Tasks created for one benchmark job: more than one is a duplicate submission. */
  tasksOf(tag: string): FakeTask[] {
    return [...this.tasks.values()].filter((task) => task.tag === tag);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const at = Date.now();
    if (req.headers.authorization !== `Bearer ${this.key}`)
      return send(res, 401, {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v1/videos')
      return send(res, 200, this.create(Buffer.concat(chunks), req, at));
    if (req.method === 'GET' && path === '/v1/videos')
      return send(res, 200, {
        object: 'list',
        data: [...this.tasks.values()].reverse().map((task) => this.object(task, at)),
        has_more: false,
      });
    const match = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(path);
    const task = match && this.tasks.get(match[1]);
    if (req.method !== 'GET' || !task)
      return send(res, 404, {
        error: { message: 'Video not found.', type: 'invalid_request_error', param: null, code: null },
      });
    if (match[2]) {
      task.contentCalls++;
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': this.video.length });
      res.end(this.video);
      return;
    }
    task.statusCalls.push(at);
    send(res, 200, this.object(task, at));
  }

  private create(body: Buffer, req: IncomingMessage, at: number): Record<string, unknown> {
    const prompt = readPrompt(body, req.headers['content-type'] ?? '');
    const task: FakeTask = {
      id: `video_${randomBytes(12).toString('hex')}`,
      tag: TAG.exec(prompt)?.[1] ?? '',
      createdAt: at,
      durationMs: this.durationMs,
      statusCalls: [],
      contentCalls: 0,
    };
    this.tasks.set(task.id, task);
    return this.object(task, at);
  }

  private object(task: FakeTask, now: number): Record<string, unknown> {
    const elapsed = now - task.createdAt;
    const done = elapsed >= task.durationMs;
    const unix = (ms: number) => Math.floor(ms / 1000);
    return {
      id: task.id,
      object: 'video',
      model: 'sora-2',
      status: done ? 'completed' : elapsed < 200 ? 'queued' : 'in_progress',
      progress: done ? 100 : Math.floor((99 * elapsed) / task.durationMs),
      created_at: unix(task.createdAt),
      completed_at: done ? unix(task.createdAt + task.durationMs) : null,
      expires_at: done ? unix(task.createdAt + task.durationMs) + 3600 : null,
      size: '720x1280',
      seconds: '4',
      remixed_from_video_id: null,
      error: null,
    };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The prompt of a create, from JSON or from the multipart form the gateway sends by default. */
function readPrompt(body: Buffer, contentType: string): string {
  const text = body.toString('utf8');
  if (contentType.includes('json')) return String((JSON.parse(text) as { prompt?: unknown }).prompt ?? '');
  return /name="prompt"\r\n(?:[^\r\n]*\r\n)*?\r\n([\s\S]*?)\r\n--/.exec(text)?.[1] ?? '';
}
