/**
 * Shared by the ledger benchmarks: which databases to run on, gateways started on one of them,
 * admin calls, and reading an account's ledger back from the database.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/index.js';
import { type BenchServer, startBenchServer } from './server.js';

export const BENCH_ADMIN_KEY = 'sk-admin-bench-0123456789abcdef';

/** SQLite always; PostgreSQL too when MEDIAGATE_BENCH_DATABASE_URL is set (each gateway in a fresh schema). */
export function benchDatabases(): { label: 'sqlite' | 'postgres'; url?: string }[] {
  const url = process.env.MEDIAGATE_BENCH_DATABASE_URL;
  return [{ label: 'sqlite' }, ...(url ? [{ label: 'postgres' as const, url }] : [])];
}

/** A gateway process with its own data dir and, on PostgreSQL, its own schema; `database` reads it back. */
export interface LedgerBenchGateway {
  server: BenchServer;
  baseUrl: string;
  /** Stops the process; the data dir and schema stay until `cleanUp`. */
  stop(): Promise<void>;
  /** Opens the gateway's database (after `stop` for SQLite, whose data dir is locked while it runs). */
  database: () => ReturnType<typeof openDatabase>;
  cleanUp(): Promise<void>;
}

export async function startLedgerGateway(
  db: { url?: string },
  env: Record<string, string>,
): Promise<LedgerBenchGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mediagate-ledger-bench-'));
  const schema = db.url ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const server = await startBenchServer({
    MEDIAGATE_DATA_DIR: dataDir,
    MEDIAGATE_ADMIN_KEYS: BENCH_ADMIN_KEY,
    ...(db.url && schema ? { DATABASE_URL: db.url, DATABASE_SCHEMA: schema } : {}),
    ...env,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  return {
    server,
    baseUrl: server.baseUrl,
    stop,
    database: () => openDatabase({ dataDir, ...(db.url ? { url: db.url, schema } : {}) }),
    async cleanUp() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (db.url && schema) {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
      }
    },
  };
}

/** One admin API call with the bench admin key; throws on an unexpected status. */
export async function admin<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  expect = 200,
): Promise<T> {
  const response = await fetch(`${baseUrl}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${BENCH_ADMIN_KEY}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} /admin/v1${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface AccountObject {
  id: string;
  balance: number;
  reserved: number;
  available: number;
  active_jobs: number;
}

/** A prepaid account with `balance` credits and one key, through the admin API. */
export async function fundedKey(
  baseUrl: string,
  balance: number,
  limits: { account?: Record<string, unknown>; key?: Record<string, unknown> } = {},
): Promise<{ accountId: string; keyId: string; key: string }> {
  const account = await admin<AccountObject>(
    baseUrl,
    'POST',
    '/accounts',
    { name: 'bench', balance, ...limits.account },
    201,
  );
  const key = await admin<{ id: string; key: string }>(
    baseUrl,
    'POST',
    `/accounts/${account.id}/keys`,
    { name: 'bench key', ...limits.key },
    201,
  );
  return { accountId: account.id, keyId: key.id, key: key.key };
}

export interface LedgerRow {
  id: string;
  job_id: string | null;
  kind: string;
  amount: number;
  created_at: number;
}

/** An account's ledger in time order (id breaks ties; ids sort by creation time, then randomly). */
export async function readLedger(gateway: LedgerBenchGateway, accountId: string): Promise<LedgerRow[]> {
  const database = await gateway.database();
  try {
    const rows = await database.db
      .selectFrom('ledger_entries')
      .select(['id', 'job_id', 'kind', 'amount', 'created_at'])
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ ...r, amount: Number(r.amount), created_at: Number(r.created_at) }));
  } finally {
    await database.close();
  }
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** User + system CPU time of a process so far, in seconds (/proc/<pid>/stat, fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
