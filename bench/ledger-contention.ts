/**
 * Contention on one balance: REQUESTS (1000) image requests sent at once, each on its own
 * connection, against ONE prepaid account whose balance covers exactly K (100) of them. The
 * sandbox answers quickly (LATENCY_MS, 20), so reservations, refusals and settlements overlap.
 *
 * Checked, exit code 1 if any fails: exactly K succeed; the other REQUESTS − K are refused with
 * 429 `insufficient_quota` and `x-should-retry: false`; the account ends with balance 0, nothing
 * reserved and no job running; the ledger holds one top-up, K reservations and for each of those
 * jobs exactly one capture and one release; replayed in time order, neither the balance nor the
 * available amount (balance − reserved) is ever below 0. The replay is pessimistic: within one
 * millisecond, debits before credits. (Every job here captures all it reserved, so releases are 0
 * and no reordering could hide a moment below 0.) The account is also read through the admin API
 * every SAMPLE_MS (25) during the burst, and the lowest `available` seen is reported.
 *
 * SQLite, then PostgreSQL in a fresh schema when MEDIAGATE_BENCH_DATABASE_URL is set.
 *
 *   npm run bench:ledger-contention     (REQUESTS=1000 K=100 LATENCY_MS=20 to change)
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import {
  type AccountObject,
  admin,
  benchDatabases,
  cpuSeconds,
  fundedKey,
  type LedgerRow,
  readLedger,
  startLedgerGateway,
} from './ledger-common.js';
import { percentile } from './server.js';

const requests = Number(process.env.REQUESTS ?? 1000);
const k = Number(process.env.K ?? 100);
const latencyMs = Number(process.env.LATENCY_MS ?? 20);
const sampleMs = Number(process.env.SAMPLE_MS ?? 25);

const imageBody = JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse at dawn', n: 1, size: '1024x1024' });

interface Answer {
  status: number;
  code: string | null;
  shouldRetry: string | null;
  ms: number;
}

async function imageRequest(dispatcher: Agent, baseUrl: string, key: string): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await request(`${baseUrl}/v1/images/generations`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: imageBody,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const text = await response.body.text();
    let code: string | null = null;
    if (response.statusCode >= 400) {
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
      } catch {
        code = 'unparseable';
      }
    }
    const retry = response.headers['x-should-retry'];
    return {
      status: response.statusCode,
      code,
      shouldRetry: typeof retry === 'string' ? retry : null,
      ms: performance.now() - started,
    };
  } catch (err) {
    return { status: 0, code: (err as Error).message, shouldRetry: null, ms: performance.now() - started };
  }
}

/** The lowest balance and available amount in the ledger's history, replayed debits-first within a millisecond. */
function replay(rows: LedgerRow[]): { minBalance: number; minAvailable: number; balance: number; reserved: number } {
  const debitFirst = (r: LedgerRow) => (r.kind === 'reservation' || r.kind === 'capture' ? 0 : 1);
  const ordered = [...rows].sort((a, b) => a.created_at - b.created_at || debitFirst(a) - debitFirst(b));
  let balance = 0;
  let reserved = 0;
  let minBalance = 0;
  let minAvailable = 0;
  for (const row of ordered) {
    if (row.kind === 'top_up' || row.kind === 'adjustment') balance += row.amount;
    else if (row.kind === 'reservation') reserved += row.amount;
    else if (row.kind === 'capture') {
      balance -= row.amount;
      reserved -= row.amount;
    } else if (row.kind === 'release') reserved -= row.amount;
    minBalance = Math.min(minBalance, balance);
    minAvailable = Math.min(minAvailable, balance - reserved);
  }
  return { minBalance, minAvailable, balance, reserved };
}

/** Every reserved job has exactly one capture and one release; nothing else is tied to a job. */
function settlementProblems(rows: LedgerRow[]): string[] {
  const perJob = new Map<string, Record<string, number>>();
  for (const row of rows) {
    if (!row.job_id) continue;
    const kinds = perJob.get(row.job_id) ?? {};
    kinds[row.kind] = (kinds[row.kind] ?? 0) + 1;
    perJob.set(row.job_id, kinds);
  }
  const problems: string[] = [];
  for (const [job, kinds] of perJob) {
    if (kinds.reservation !== 1 || kinds.capture !== 1 || kinds.release !== 1)
      problems.push(`${job}: ${JSON.stringify(kinds)}`);
  }
  return problems;
}

async function runOn(db: { label: 'sqlite' | 'postgres'; url?: string }) {
  const gateway = await startLedgerGateway(db, {
    MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: String(latencyMs),
    MEDIAGATE_SANDBOX_POLL_MS: '10',
  });
  const dispatcher = new Agent({ connections: requests + 10, pipelining: 0 });
  try {
    // The price of one request, measured: one image on a generously funded account of its own.
    const probe = await fundedKey(gateway.baseUrl, 1_000_000_000_000);
    const probeAnswer = await imageRequest(dispatcher, gateway.baseUrl, probe.key);
    if (probeAnswer.status !== 200) throw new Error(`probe request: ${JSON.stringify(probeAnswer)}`);
    const probed = await admin<AccountObject>(gateway.baseUrl, 'GET', `/accounts/${probe.accountId}`);
    const unit = 1_000_000_000_000 - probed.balance;
    if (unit <= 0 || probed.reserved !== 0) throw new Error(`probe account after one image: ${JSON.stringify(probed)}`);

    const customer = await fundedKey(gateway.baseUrl, k * unit);

    let sampling = true;
    const samples: AccountObject[] = [];
    const sampler = (async () => {
      while (sampling) {
        samples.push(await admin<AccountObject>(gateway.baseUrl, 'GET', `/accounts/${customer.accountId}`));
        await new Promise((resolve) => setTimeout(resolve, sampleMs));
      }
    })();

    const pid = gateway.server.child.pid!;
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: requests }, () => imageRequest(dispatcher, gateway.baseUrl, customer.key)),
    );
    const totalMs = performance.now() - started;
    const cpuMs = 1000 * (cpuSeconds(pid) - cpuBefore);
    sampling = false;
    await sampler;

    const account = await admin<AccountObject>(gateway.baseUrl, 'GET', `/accounts/${customer.accountId}`);
    await gateway.stop();
    const ledger = await readLedger(gateway, customer.accountId);

    const succeeded = answers.filter((a) => a.status === 200);
    const refused = answers.filter(
      (a) => a.status === 429 && a.code === 'insufficient_quota' && a.shouldRetry === 'false',
    );
    const other = new Map<string, number>();
    for (const a of answers) {
      if (a.status === 200 || refused.includes(a)) continue;
      const label = `${a.status} ${a.code ?? ''} x-should-retry=${a.shouldRetry}`;
      other.set(label, (other.get(label) ?? 0) + 1);
    }
    const count = (kind: string) => ledger.filter((r) => r.kind === kind).length;
    const sum = (kind: string) => ledger.filter((r) => r.kind === kind).reduce((s, r) => s + r.amount, 0);
    const history = replay(ledger);
    const problems = settlementProblems(ledger);
    const ms = (list: Answer[]) => list.map((a) => a.ms).sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;

    const invariants: Record<string, boolean> = {
      [`exactly ${k} succeeded`]: succeeded.length === k,
      [`exactly ${requests - k} refused insufficient_quota (429, x-should-retry: false)`]:
        refused.length === requests - k,
      'final balance 0': account.balance === 0,
      'nothing reserved, no job running': account.reserved === 0 && account.active_jobs === 0,
      [`ledger: 1 top-up, ${k} reservations, ${k} captures, ${k} releases`]:
        count('top_up') === 1 && count('reservation') === k && count('capture') === k && count('release') === k,
      'ledger: each job settled exactly once': problems.length === 0,
      'ledger: running balance never below 0': history.minBalance >= 0,
      'ledger: running available (balance − reserved) never below 0': history.minAvailable >= 0,
      'ledger replay ends at the account row': history.balance === account.balance && history.reserved === 0,
      'admin API samples: available never below 0': samples.every((s) => s.available >= 0 && s.balance >= 0),
    };

    return {
      database: db.label,
      requests,
      k,
      sandbox_latency_ms: latencyMs,
      unit_price_credits: unit,
      opening_balance: k * unit,
      succeeded: succeeded.length,
      refused_insufficient_quota: refused.length,
      other_answers: Object.fromEntries(other),
      final_balance: account.balance,
      final_reserved: account.reserved,
      final_active_jobs: account.active_jobs,
      min_balance_ledger: history.minBalance,
      min_available_ledger: history.minAvailable,
      min_available_sampled: samples.length ? Math.min(...samples.map((s) => s.available)) : null,
      samples: samples.length,
      ledger_entries: { top_up: count('top_up'), reservation: count('reservation'), capture: count('capture') },
      captured: sum('capture'),
      released: sum('release'),
      total_ms: Math.round(totalMs),
      refusals_per_s: Math.round(refused.length / (totalMs / 1000)),
      gateway_cpu_ms: Math.round(cpuMs),
      gateway_cpu_ms_per_request: round(cpuMs / requests),
      refusal_p50_ms: round(percentile(ms(refused), 50)),
      refusal_p99_ms: round(percentile(ms(refused), 99)),
      success_p50_ms: round(percentile(ms(succeeded), 50)),
      success_p99_ms: round(percentile(ms(succeeded), 99)),
      settlement_problems: problems.slice(0, 5),
      invariants,
      ok: Object.values(invariants).every(Boolean),
    };
  } finally {
    await dispatcher.close();
    await gateway.cleanUp();
  }
}

const results: Awaited<ReturnType<typeof runOn>>[] = [];
for (const db of benchDatabases()) results.push(await runOn(db));

console.log('\nledger contention (one account, balance for exactly K requests, all sent at once)\n');
const rows: [string, (r: Awaited<ReturnType<typeof runOn>>) => unknown][] = [
  ['succeeded', (r) => `${r.succeeded} (want ${r.k})`],
  ['refused insufficient_quota', (r) => `${r.refused_insufficient_quota} (want ${r.requests - r.k})`],
  ['other answers', (r) => JSON.stringify(r.other_answers)],
  ['final balance / reserved', (r) => `${r.final_balance} / ${r.final_reserved}`],
  ['min balance, available (ledger)', (r) => `${r.min_balance_ledger}, ${r.min_available_ledger}`],
  ['min available (sampled)', (r) => `${r.min_available_sampled} (${r.samples} samples)`],
  ['total time', (r) => `${r.total_ms} ms`],
  ['refusals/s', (r) => r.refusals_per_s],
  ['gateway CPU (per request)', (r) => `${r.gateway_cpu_ms} ms (${r.gateway_cpu_ms_per_request} ms)`],
  ['refusal p50 / p99', (r) => `${r.refusal_p50_ms} / ${r.refusal_p99_ms} ms`],
  ['success p50 / p99', (r) => `${r.success_p50_ms} / ${r.success_p99_ms} ms`],
  ['invariants', (r) => (r.ok ? 'all hold' : 'FAILED')],
];
console.log(`| | ${results.map((r) => r.database).join(' | ')} |`);
console.log(`|---|${results.map(() => '---').join('|')}|`);
for (const [label, cell] of rows) console.log(`| ${label} | ${results.map((r) => String(cell(r))).join(' | ')} |`);
for (const r of results)
  for (const [name, holds] of Object.entries(r.invariants)) if (!holds) console.log(`FAILED (${r.database}): ${name}`);
console.log(`\n${JSON.stringify({ benchmark: 'ledger-contention', results })}`);
if (!results.every((r) => r.ok)) process.exitCode = 1;
