/**
 * Concurrent streaming video jobs held by one gateway process. Opens STREAMS chat streams against
 * sandbox video jobs that each run HOLD_MS with a progress chunk every POLL_MS, and reports: how
 * many streams were held at once and completed, the server's peak RSS, and how late progress chunks
 * went out (each chunk is due one poll interval after the previous one). The 95 % chunk sent once
 * the result is in (render, storage, review) is not on the poll schedule, so intervals ending at
 * 95 % or more are left out of the lateness figures.
 *
 *   npm run bench:streams        (STREAMS=10000 HOLD_MS=60000 POLL_MS=1000 OPEN_PER_S=1000 to change)
 */
import http from 'node:http';
import { BENCH_KEY, percentile, startBenchServer } from './server.js';

const streams = Number(process.env.STREAMS ?? 10_000);
const holdMs = Number(process.env.HOLD_MS ?? 60_000);
const pollMs = Number(process.env.POLL_MS ?? 1_000);
const openPerSecond = Number(process.env.OPEN_PER_S ?? 1_000);

/** Progress at or above this is sent when the result is being stored and reviewed, not on a timer. */
const UNTIMED_PROGRESS = 95;

interface StreamRecord {
  /** Arrival time and percentage of each progress chunk. */
  progress: { at: number; percent: number }[];
  done: boolean;
  failed?: string;
}

const server = await startBenchServer({
  MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: String(holdMs),
  MEDIAGATE_SANDBOX_POLL_MS: String(pollMs),
  MEDIAGATE_LEASE_MS: '60000',
});
const { hostname, port } = new URL(server.baseUrl);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const body = JSON.stringify({
  model: 'sora-2',
  stream: true,
  messages: [{ role: 'user', content: 'a paper boat drifting, duration: 1 seconds' }],
});
const records: StreamRecord[] = [];
let open = 0;
let peakOpen = 0;
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, server.rss())), 500);

function openStream(): Promise<void> {
  const record: StreamRecord = { progress: [], done: false };
  records.push(record);
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
          const now = performance.now();
          for (const m of text.matchAll(/Progress (\d+)%/g)) record.progress.push({ at: now, percent: Number(m[1]) });
          if (text.includes('[DONE]')) record.done = true;
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
  pending.push(openStream());
  if ((i + 1) % Math.max(1, Math.floor(openPerSecond / 10)) === 0) await new Promise((r) => setTimeout(r, 100));
}
const openedInMs = performance.now() - started;
await Promise.all(pending);
clearInterval(rssTimer);

const lateness: number[] = [];
for (const r of records) {
  for (let k = 1; k < r.progress.length; k++) {
    if (r.progress[k].percent >= UNTIMED_PROGRESS) continue;
    lateness.push(Math.max(0, r.progress[k].at - r.progress[k - 1].at - pollMs));
  }
}
lateness.sort((a, b) => a - b);
const failures = records.filter((r) => r.failed || !r.done);
console.log(
  JSON.stringify(
    {
      streams,
      opened_in_s: +(openedInMs / 1000).toFixed(1),
      peak_concurrent_streams: peakOpen,
      completed_with_done: records.filter((r) => r.done).length,
      failures: failures.length,
      failure_examples: [...new Set(failures.map((f) => f.failed ?? 'no [DONE]'))].slice(0, 3),
      progress_chunks: records.reduce((sum, r) => sum + r.progress.length, 0),
      timed_intervals_measured: lateness.length,
      chunk_lateness_ms: {
        p50: +percentile(lateness, 50).toFixed(1),
        p99: +percentile(lateness, 99).toFixed(1),
        max: +(lateness.at(-1) ?? 0).toFixed(1),
      },
      server_peak_rss_mib: Math.round(peakRss / 2 ** 20),
    },
    null,
    2,
  ),
);
await server.stop();
