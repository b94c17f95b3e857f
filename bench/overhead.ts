/**
 * Gateway overhead: non-streaming image jobs whose provider answers at once (sandbox latency 0,
 * renders cached), so the time measured is the gateway's own: HTTP, auth, intent, job rows,
 * storage and the response. Reports sequential p50/p99 and throughput at 50 connections.
 *
 *   npm run bench:overhead            (DURATION=10 CONNECTIONS=50 SEQUENTIAL=2000 to change)
 */
import autocannon from 'autocannon';
import { BENCH_KEY, startBenchServer } from './server.js';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 50);
const sequential = Number(process.env.SEQUENTIAL ?? 2000);

const body = JSON.stringify({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'a lighthouse at dawn' }] });
const request = {
  method: 'POST' as const,
  headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
  body,
};

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));
}

const server = await startBenchServer({
  MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '0',
  MEDIAGATE_SANDBOX_POLL_MS: '10',
});
try {
  const url = `${server.baseUrl}/v1/chat/completions`;
  const warm = await run({ url, ...request, connections: 4, amount: 200 });
  if (warm.non2xx > 0) throw new Error(`warm-up had ${warm.non2xx} non-2xx answers`);

  const seq = await run({ url, ...request, connections: 1, amount: sequential });
  const load = await run({ url, ...request, connections, duration });
  const report = {
    sequential: {
      requests: seq.requests.total,
      p50_ms: seq.latency.p50,
      p90_ms: seq.latency.p90,
      p99_ms: seq.latency.p99,
      errors: seq.errors + seq.non2xx,
    },
    load: {
      connections,
      duration_s: duration,
      requests_per_s: load.requests.average,
      p50_ms: load.latency.p50,
      p99_ms: load.latency.p99,
      errors: load.errors + load.non2xx + load.timeouts,
    },
    server_rss_mib: Math.round(server.rss() / 2 ** 20),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await server.stop();
}
