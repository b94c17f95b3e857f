/**
 * A fake OpenAI `/v1/videos` upstream for `bench:streams`, run as its own process (so its work does
 * not count in the gateway's RSS or delay the bench's clients). Lean on purpose: no request log,
 * only per-task counters, so 10,000 tasks cost it little. Every task lasts HOLD_MS (± JITTER as a
 * fraction), reports `progress` rising with time, ends `completed`, and serves one small real MP4
 * (made once with ffmpeg) at `/content`. `GET /v1/videos` is the documented cursor list unless
 * LIST=off (a reseller without it: 404). `GET /__bench/stats` hands the bench what it measures
 * against: per task the bench token of its prompt, when it became completed, status reads, and
 * when each progress value was first answered.
 *
 * Started by bench/streams.ts; prints `{"port":N}` on its first stdout line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpegPath } from '../src/providers/sandbox/ffmpeg-path.js';

const holdMs = Number(process.env.HOLD_MS ?? 60_000);
const jitter = Number(process.env.JITTER ?? 0.1);
const listEnabled = process.env.LIST !== 'off';
const key = process.env.FAKE_VIDEOS_KEY ?? 'sk-fake-videos';

interface Task {
  id: string;
  index: number;
  token: string;
  model: string;
  prompt: string;
  createdAt: number;
  completesAt: number;
  gets: number;
  listed: number;
  /** Progress value → when it was first answered (unix ms). */
  firstAnswered: Record<number, number>;
}

const tasks: Task[] = [];
const byId = new Map<string, Task>();

function makeVideo(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'bench-video-'));
  const file = join(dir, 'v.mp4');
  execFileSync(resolveFfmpegPath(), [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10:duration=4'],
    ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', file],
  ]);
  const bytes = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  return bytes;
}
const video = makeVideo();

function videoObject(task: Task, now: number) {
  const done = now >= task.completesAt;
  const progress = done
    ? 100
    : Math.min(99, Math.floor(((now - task.createdAt) / (task.completesAt - task.createdAt)) * 100));
  if (task.firstAnswered[progress] === undefined) task.firstAnswered[progress] = now;
  return {
    id: task.id,
    object: 'video',
    model: task.model,
    status: done ? 'completed' : progress === 0 ? 'queued' : 'in_progress',
    progress,
    created_at: Math.floor(task.createdAt / 1000),
    completed_at: done ? Math.floor(task.completesAt / 1000) : null,
    expires_at: done ? Math.floor(task.completesAt / 1000) + 3600 : null,
    seconds: '4',
    size: '1280x720',
    prompt: task.prompt,
    remixed_from_video_id: null,
    error: null,
  };
}

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
const notFound = (res: http.ServerResponse) =>
  send(res, 404, { error: { message: 'Not found', type: 'invalid_request_error', param: null, code: null } });

/** The create body is multipart or JSON; only prompt and model matter here. */
function readCreate(raw: string): { prompt: string; model: string } {
  if (raw.trimStart().startsWith('{')) {
    const json = JSON.parse(raw) as { prompt?: string; model?: string };
    return { prompt: json.prompt ?? '', model: json.model ?? 'sora-2' };
  }
  const field = (name: string) => raw.match(new RegExp(`name="${name}"\\r\\n\\r\\n([\\s\\S]*?)\\r\\n--`))?.[1];
  return { prompt: field('prompt') ?? '', model: field('model') ?? 'sora-2' };
}

/** Newest first, paged with `after` (the documented list). */
function listPage(url: URL, now: number) {
  const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
  const after = url.searchParams.get('after');
  let start = tasks.length - 1;
  if (after) {
    const found = byId.get(after);
    start = found ? found.index - 1 : -1;
  }
  const data = [];
  for (let i = start; i >= 0 && data.length < limit; i--) {
    tasks[i].listed++;
    data.push(videoObject(tasks[i], now));
  }
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start - data.length >= 0,
  };
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/__bench/stats') return send(res, 200, { tasks, listEnabled });
    if (req.headers.authorization !== `Bearer ${key}`)
      return send(res, 401, {
        error: { message: 'bad key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
      });
    const url = new URL(req.url ?? '/', 'http://fake');
    const now = Date.now();
    if (req.method === 'POST' && url.pathname === '/v1/videos') {
      const { prompt, model } = readCreate(Buffer.concat(chunks).toString('utf8'));
      const runMs = Math.round(holdMs * (1 + jitter * (Math.random() * 2 - 1)));
      const task: Task = {
        id: `video_${tasks.length + 1}_${now.toString(36)}`,
        index: tasks.length,
        token: prompt.match(/bench-token-\d+/)?.[0] ?? '',
        model,
        prompt,
        createdAt: now,
        completesAt: now + runMs,
        gets: 0,
        listed: 0,
        firstAnswered: {},
      };
      tasks.push(task);
      byId.set(task.id, task);
      return send(res, 200, videoObject(task, now));
    }
    if (req.method === 'GET' && url.pathname === '/v1/videos') {
      if (!listEnabled) return notFound(res);
      return send(res, 200, listPage(url, now));
    }
    const match = url.pathname.match(/^\/v1\/videos\/([^/]+)(\/content)?$/);
    const task = match ? byId.get(decodeURIComponent(match[1])) : undefined;
    if (req.method !== 'GET' || !task) return notFound(res);
    if (match?.[2]) {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
      return res.end(video);
    }
    task.gets++;
    return send(res, 200, videoObject(task, now));
  });
});
server.keepAliveTimeout = 60_000;
server.maxConnections = 100_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
