/**
 * What the account, limit and ledger checks cost per request: the overhead benchmark's request
 * (a non-streaming chat completion for gpt-image-1, sandbox latency 0) against two gateways
 * started side by side with the same settings except billing:
 *
 *   without: MEDIAGATE_BILLING=off, the default key (no reservation, settlement or ledger entry);
 *   with:    billing on, a prepaid account funded far beyond need, and a key with an rpm limit and
 *            a concurrency limit (generous, so nothing is refused but every check runs); the
 *            account has the same limits. MONTHLY_LIMIT=1 also gives the account a monthly spend
 *            limit, which adds the month's sum of captures to every reservation.
 *
 * The load alternates between them in ROUNDS (4) rounds, the order flipping each round, so a
 * neighbour's load on a shared machine falls on both: per round SEQUENTIAL/ROUNDS one-at-a-time
 * requests, then DURATION seconds at CONNECTIONS. Latencies are every response's, pooled over the
 * rounds. The per-request cost is the difference of the sequential means and of 1/throughput.
 * When the rate-limit module is present (answers carry x-ratelimit-limit-requests), it is reported.
 *
 * SQLite, then PostgreSQL (each gateway in a fresh schema) when MEDIAGATE_BENCH_DATABASE_URL is set.
 *
 *   npm run bench:ledger     (SEQUENTIAL=2000 DURATION=5 ROUNDS=4 CONNECTIONS=50 to change)
 */
import autocannon from 'autocannon';
import { BENCH_KEY, percentile } from './server.js';
import { benchDatabases, cpuSeconds, fundedKey, type LedgerBenchGateway, startLedgerGateway } from './ledger-common.js';

const sequential = Number(process.env.SEQUENTIAL ?? 2000);
const duration = Number(process.env.DURATION ?? 5);
const rounds = Number(process.env.ROUNDS ?? 4);
const connections = Number(process.env.CONNECTIONS ?? 50);
const monthlyLimit = ['1', 'on', 'true'].includes(process.env.MONTHLY_LIMIT ?? '');

const body = JSON.stringify({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'a lighthouse at dawn' }] });
const LIMITS = { rpm_limit: 10_000_000, concurrency_limit: 10_000 };

interface Target {
  name: 'without' | 'with';
  gateway: LedgerBenchGateway;
  key: string;
  seq: number[];
  load: number[];
  loadRequests: number;
  loadSeconds: number;
  /** CPU seconds the gateway process used during the load runs. */
  loadCpuSeconds: number;
  errors: number;
}

/** One autocannon run; every response's latency goes into `into`. */
function run(target: Target, opts: Partial<autocannon.Options>, into: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.gateway.baseUrl}/v1/chat/completions`,
        method: 'POST',
        headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
        body,
        ...opts,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status === 200) into.push(ms);
    });
  });
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Latencies pooled over the rounds; throughput is all load requests over all load seconds. */
function summarize(t: Target) {
  const seq = [...t.seq].sort((a, b) => a - b);
  const load = [...t.load].sort((a, b) => a - b);
  return {
    sequential: {
      requests: seq.length,
      mean_ms: r2(mean(seq)),
      p50_ms: r2(percentile(seq, 50)),
      p99_ms: r2(percentile(seq, 99)),
    },
    load: {
      requests_per_s: r2(t.loadRequests / t.loadSeconds),
      p50_ms: r2(percentile(load, 50)),
      p99_ms: r2(percentile(load, 99)),
      // Below 1 s per s: the gateway waited (on the database, on locks) rather than computed.
      gateway_cpu_s_per_s: r2(t.loadCpuSeconds / t.loadSeconds),
      gateway_cpu_ms_per_request: r2((1000 * t.loadCpuSeconds) / t.loadRequests),
    },
    errors: t.errors,
    server_rss_mib: Math.round(t.gateway.server.rss() / 2 ** 20),
  };
}

async function measure(db: { label: 'sqlite' | 'postgres'; url?: string }) {
  const common = { MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '0', MEDIAGATE_SANDBOX_POLL_MS: '10' };
  const off = await startLedgerGateway(db, { ...common, MEDIAGATE_BILLING: 'off' });
  const on = await startLedgerGateway(db, { ...common, MEDIAGATE_BILLING: 'on' });
  try {
    const customer = await fundedKey(on.baseUrl, 1_000_000_000_000_000, {
      account: { ...LIMITS, ...(monthlyLimit && { monthly_spend_limit: 1_000_000_000_000_000 }) },
      key: LIMITS,
    });
    const targets: Target[] = [
      {
        name: 'without',
        gateway: off,
        key: BENCH_KEY,
        seq: [],
        load: [],
        loadRequests: 0,
        loadSeconds: 0,
        loadCpuSeconds: 0,
        errors: 0,
      },
      {
        name: 'with',
        gateway: on,
        key: customer.key,
        seq: [],
        load: [],
        loadRequests: 0,
        loadSeconds: 0,
        loadCpuSeconds: 0,
        errors: 0,
      },
    ];

    const rateLimitHeader = await fetch(`${on.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
      body,
    }).then((r) => r.headers.get('x-ratelimit-limit-requests'));

    for (const target of targets) {
      const warm = await run(target, { connections: 4, amount: 200 }, []);
      if (warm.non2xx > 0) throw new Error(`warm-up (${target.name}) had ${warm.non2xx} non-2xx answers`);
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const result = await run(target, { connections: 1, amount: Math.ceil(sequential / rounds) }, target.seq);
        target.errors += result.errors + result.non2xx + result.timeouts;
      }
      for (const target of order) {
        const pid = target.gateway.server.child.pid!;
        const cpuBefore = cpuSeconds(pid);
        const result = await run(target, { connections, duration }, target.load);
        target.loadCpuSeconds += cpuSeconds(pid) - cpuBefore;
        target.errors += result.errors + result.non2xx + result.timeouts;
        target.loadRequests += result.requests.total;
        target.loadSeconds += result.duration;
      }
    }

    const [without, withLedger] = targets.map(summarize);
    return {
      database: db.label,
      rate_limits_enforced: rateLimitHeader !== null,
      monthly_limit: monthlyLimit,
      without,
      with: withLedger,
      cost_per_request_ms: {
        sequential_mean: r2(withLedger.sequential.mean_ms - without.sequential.mean_ms),
        sequential_p50: r2(withLedger.sequential.p50_ms - without.sequential.p50_ms),
        // Server time per request at saturation: 1/throughput, with minus without.
        under_load: r2(1000 / withLedger.load.requests_per_s - 1000 / without.load.requests_per_s),
        gateway_cpu_under_load: r2(
          withLedger.load.gateway_cpu_ms_per_request - without.load.gateway_cpu_ms_per_request,
        ),
      },
      throughput_ratio: r2(withLedger.load.requests_per_s / without.load.requests_per_s),
    };
  } finally {
    await off.cleanUp();
    await on.cleanUp();
  }
}

const results: Awaited<ReturnType<typeof measure>>[] = [];
for (const db of benchDatabases()) results.push(await measure(db));

console.log(
  `\nledger overhead: ${rounds} interleaved rounds; per variant ${sequential} sequential requests and ` +
    `${rounds}×${duration} s at ${connections} connections\n`,
);
console.log(
  '| database | variant | seq mean | seq p50 | seq p99 | load req/s | load p50 | load p99 | gateway CPU/req (load) | errors |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  for (const name of ['without', 'with'] as const) {
    const v = r[name];
    console.log(
      `| ${r.database} | ${name} ledger | ${v.sequential.mean_ms} ms | ${v.sequential.p50_ms} ms | ${v.sequential.p99_ms} ms | ` +
        `${v.load.requests_per_s} | ${v.load.p50_ms} ms | ${v.load.p99_ms} ms | ${v.load.gateway_cpu_ms_per_request} ms | ${v.errors} |`,
    );
  }
  console.log(
    `| ${r.database} | cost per request | ${r.cost_per_request_ms.sequential_mean} ms | ${r.cost_per_request_ms.sequential_p50} ms | | ` +
      `${r.cost_per_request_ms.under_load} ms (×${r.throughput_ratio} req/s) | | | ${r.cost_per_request_ms.gateway_cpu_under_load} ms | |`,
  );
}
console.log(
  `\nrate limits ${results.every((r) => r.rate_limits_enforced) ? 'enforced' : 'not present in this build (rpm_limit stored, not counted)'}` +
    `${monthlyLimit ? '; monthly spend limit set' : ''}`,
);
console.log(
  `\n${JSON.stringify({ benchmark: 'ledger-overhead', rounds, duration_s: duration, connections, results })}`,
);
if (results.some((r) => r.without.errors + r.with.errors > 0)) process.exitCode = 1;
