/**
 * Image requests through an OpenAI-images channel versus the same fake upstream called directly,
 * side by side in one run on the same cores (autocannon, 50 connections each, one after the
 * other). The fake answers at once with a real 1024x1024 PNG (made once), so the comparison shows
 * what the gateway adds: auth, intent, a durable job, the upstream call, storing the image and
 * answering with a link.
 *
 * A third run measures a floor: `bench/bare-proxy.mjs`, a bare Fastify server in its own process
 * that only calls the fake, writes the image to disk and answers with a link (no job, database,
 * moderation or auth). It shows how much of the gap is the work any such gateway must do.
 *
 *   npm run bench:upstream-throughput     (DURATION=10 CONNECTIONS=50 to change)
 */
import autocannon from 'autocannon';
import { FakeOpenAiImages } from '../test/fakes/openai-images.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, freePort, repoRoot, startBenchServer } from './server.js';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 50);

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));
}

const summary = (r: autocannon.Result) => ({
  requests_per_s: r.requests.average,
  p50_ms: r.latency.p50,
  p99_ms: r.latency.p99,
  errors: r.errors + r.non2xx + r.timeouts,
});

/** Starts bench/bare-proxy.mjs and waits until it answers. */
async function startBareProxy(upstreamUrl: string) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mediagate-bare-'));
  const child = spawn(process.execPath, ['bench/bare-proxy.mjs'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), UPSTREAM_URL: upstreamUrl, DATA_DIR: dataDir },
    stdio: 'inherit',
  });
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  for (let tries = 0; ; tries++) {
    const up = await fetch(url, { method: 'OPTIONS' }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (tries > 100) throw new Error('bare proxy did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () => {
      child.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const fake = new FakeOpenAiImages(['sk-bench-upstream']);
await fake.start();
const server = await startBenchServer({ OPENAI_API_KEY: 'sk-bench-upstream', OPENAI_BASE_URL: `${fake.url}/v1` });
const bare = await startBareProxy(`${fake.url}/v1`);
try {
  const direct = {
    url: `${fake.url}/v1/images/generations`,
    method: 'POST' as const,
    headers: { authorization: 'Bearer sk-bench-upstream', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-image-1',
      prompt: 'a lighthouse at dawn',
      n: 1,
      size: '1024x1024',
      output_format: 'png',
    }),
  };
  const gateway = {
    url: `${server.baseUrl}/v1/chat/completions`,
    method: 'POST' as const,
    headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'a lighthouse at dawn' }] }),
  };
  const floor = { ...gateway, url: bare.url, headers: { 'content-type': 'application/json' } };
  for (const target of [direct, gateway, floor]) {
    const warm = await run({ ...target, connections: 4, amount: 200 });
    if (warm.non2xx > 0) throw new Error(`warm-up of ${target.url} had ${warm.non2xx} non-2xx answers`);
  }
  const directResult = await run({ ...direct, connections, duration });
  const gatewayResult = await run({ ...gateway, connections, duration });
  const floorResult = await run({ ...floor, connections, duration });
  console.log(
    JSON.stringify(
      {
        connections,
        duration_s: duration,
        direct_to_fake_upstream: summary(directResult),
        through_gateway: summary(gatewayResult),
        gateway_share_of_direct: Number((gatewayResult.requests.average / directResult.requests.average).toFixed(3)),
        bare_proxy_floor: summary(floorResult),
        bare_proxy_share_of_direct: Number((floorResult.requests.average / directResult.requests.average).toFixed(3)),
        server_rss_mib: Math.round(server.rss() / 2 ** 20),
      },
      null,
      2,
    ),
  );
} finally {
  bare.stop();
  await server.stop();
  await fake.close();
}
