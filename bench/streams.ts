/**
 * Concurrent streaming video jobs held by one gateway process, on the real upstream path: STREAMS
 * streaming chat requests for `sora-2`, routed to an `openai-videos` channel against a fake
 * `/v1/videos` upstream (bench/fake-videos-upstream.ts, its own process) whose tasks last HOLD_MS
 * (± JITTER), with output review on. Each prompt carries a unique token, which maps the stream to
 * its upstream task. Reported:
 *   - completed streams, duplicates (jobs with more than one upstream task);
 *   - the gateway's peak RSS;
 *   - progress chunk lateness: chunk arrival at the client − when the fake first answered that
 *     progress value for that task (p50/p99/max);
 *   - completion-to-final-chunk delay: final chunk arrival − when the task became completed;
 *   - status reads per task (single GETs, and tasks read through the list).
 *
 *   npm run bench:streams    (STREAMS=10000 HOLD_MS=60000 JITTER=0.1 OPEN_PER_S=1000 LIST=off to change)
 *
 * UPSTREAM=sandbox runs the older sandbox measurement instead (POLL_MS, lateness between chunks).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_KEY, percentile, repoRoot, startBenchServer } from './server.js';

const streams = Number(process.env.STREAMS ?? 10_000);
const holdMs = Number(process.env.HOLD_MS ?? 60_000);
const pollMs = Number(process.env.POLL_MS ?? 1_000);
const openPerSecond = Number(process.env.OPEN_PER_S ?? 1_000);
const sandbox = process.env.UPSTREAM === 'sandbox';
const FAKE_KEY = 'sk-fake-videos-bench';

/** Sandbox mode: progress at or above this is sent while the result is stored and reviewed, not on a timer. */
const UNTIMED_PROGRESS = 95;

interface StreamRecord {
  token: string;
  /** Arrival (unix ms) and percentage of each progress chunk. */
  progress: { at: number; percent: number }[];
  finalAt?: number;
  done: boolean;
  failed?: string;
}

interface FakeTask {
  token: string;
  completesAt: number;
  gets: number;
  listed: number;
  firstAnswered: Record<string, number>;
}

async function startFake(): Promise<{ url: string; stats(): Promise<FakeTask[]>; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fake-videos-upstream.ts'], {
    cwd: repoRoot,
    env: { ...process.env, HOLD_MS: String(holdMs), FAKE_VIDEOS_KEY: FAKE_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake upstream exited ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const url = `http://127.0.0.1:${(JSON.parse(first) as { port: number }).port}`;
  return {
    url,
    async stats() {
      return ((await (await fetch(`${url}/__bench/stats`)).json()) as { tasks: FakeTask[] }).tasks;
    },
    stop: () => child.kill('SIGTERM'),
  };
}

const fake = sandbox ? undefined : await startFake();
const configDir = mkdtempSync(join(tmpdir(), 'bench-streams-'));
const configFile = join(configDir, 'mediagate.yaml');
// YAML, not the OPENAI_VIDEOS_* shortcut: it is the one way to raise the channel's concurrency today.
writeFileSync(
  configFile,
  fake
    ? [
        'channels:',
        '  - name: bench-videos',
        '    type: openai-videos',
        `    baseUrl: ${fake.url}/v1`,
        `    keys: [${FAKE_KEY}]`,
        '    models: { sora-2: sora-2 }',
        `    concurrency: ${Math.max(streams * 2, 16)}`,
        '',
      ].join('\n')
    : '{}\n',
);
const server = await startBenchServer({
  MEDIAGATE_CONFIG: configFile,
  MEDIAGATE_LEASE_MS: '60000',
  ...(sandbox
    ? { MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: String(holdMs), MEDIAGATE_SANDBOX_POLL_MS: String(pollMs) }
    : { MEDIAGATE_SANDBOX_MODE: 'never', MEDIAGATE_MODERATION_OUTPUT: '1' }),
});
const { hostname, port } = new URL(server.baseUrl);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const records: StreamRecord[] = [];
let open = 0;
let peakOpen = 0;
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, server.rss())), 250);

function openStream(i: number): Promise<void> {
  const token = `bench-token-${i}`;
  const record: StreamRecord = { token, progress: [], done: false };
  records.push(record);
  const body = JSON.stringify({
    model: 'sora-2',
    stream: true,
    messages: [{ role: 'user', content: `a paper boat drifting ${token}, duration: 4 seconds` }],
  });
  return new Promise((resolve) => {
    const req = http.request(
      {
        hostname,
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          record.failed = `HTTP ${res.statusCode}`;
          res.resume();
          return resolve();
        }
        open++;
        peakOpen = Math.max(peakOpen, open);
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const now = Date.now();
          for (const m of text.matchAll(/Progress (\d+)%/g)) record.progress.push({ at: now, percent: Number(m[1]) });
          if (record.finalAt === undefined && text.includes('"finish_reason":"stop"')) record.finalAt = now;
          if (text.includes('[DONE]')) {
            record.done = true;
            record.finalAt ??= now;
          }
        });
        res.on('end', () => {
          open--;
          resolve();
        });
      },
    );
    req.on('error', (err) => {
      record.failed = err.message;
      resolve();
    });
    req.end(body);
  });
}

const started = performance.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < streams; i++) {
  pending.push(openStream(i));
  if ((i + 1) % Math.max(1, Math.floor(openPerSecond / 10)) === 0) await new Promise((r) => setTimeout(r, 100));
}
const openedInMs = performance.now() - started;
await Promise.all(pending);
clearInterval(rssTimer);

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: +percentile(sorted, 50).toFixed(1),
    p99: +percentile(sorted, 99).toFixed(1),
    max: +(sorted.at(-1) ?? 0).toFixed(1),
  };
};
const failures = records.filter((r) => r.failed || !r.done);
const common = {
  streams,
  hold_ms: holdMs,
  opened_in_s: +(openedInMs / 1000).toFixed(1),
  peak_concurrent_streams: peakOpen,
  completed: records.filter((r) => r.done).length,
  failures: failures.length,
  failure_examples: [...new Set(failures.map((f) => f.failed ?? 'no [DONE]'))].slice(0, 3),
  progress_chunks: records.reduce((sum, r) => sum + r.progress.length, 0),
  server_peak_rss_mib: Math.round(peakRss / 2 ** 20),
};

if (fake) {
  const tasks = await fake.stats();
  const byToken = new Map<string, FakeTask[]>();
  for (const t of tasks) byToken.set(t.token, [...(byToken.get(t.token) ?? []), t]);
  const lateness: number[] = [];
  const finalDelay: number[] = [];
  let unmatchedChunks = 0;
  for (const r of records) {
    const task = byToken.get(r.token)?.[0];
    if (!task) continue;
    for (const chunk of r.progress) {
      const answered = task.firstAnswered[String(chunk.percent)];
      // 95 % is the gateway's own "reviewing" line, not a value the upstream answered.
      if (answered === undefined) unmatchedChunks++;
      else lateness.push(chunk.at - answered);
    }
    if (r.finalAt !== undefined) finalDelay.push(r.finalAt - task.completesAt);
  }
  console.log(
    JSON.stringify(
      {
        ...common,
        upstream: 'openai-videos (fake)',
        list_endpoint: process.env.LIST !== 'off',
        upstream_tasks: tasks.length,
        duplicates: [...byToken.values()].filter((t) => t.length > 1).length,
        progress_chunk_lateness_ms: stats(lateness),
        progress_chunks_not_from_upstream: unmatchedChunks,
        completion_to_final_chunk_ms: stats(finalDelay),
        status_gets_per_task: stats(tasks.map((t) => t.gets)),
        list_reads_per_task: stats(tasks.map((t) => t.listed)),
      },
      null,
      2,
    ),
  );
} else {
  const lateness: number[] = [];
  for (const r of records) {
    for (let k = 1; k < r.progress.length; k++) {
      if (r.progress[k].percent >= UNTIMED_PROGRESS) continue;
      lateness.push(Math.max(0, r.progress[k].at - r.progress[k - 1].at - pollMs));
    }
  }
  console.log(JSON.stringify({ ...common, upstream: 'sandbox', chunk_lateness_ms: stats(lateness) }, null, 2));
}
await server.stop();
fake?.stop();
rmSync(configDir, { recursive: true, force: true });
