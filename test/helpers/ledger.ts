import { expect } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';

/**
 * The gateway's database, opened from the env it was started with, to read the ledger directly.
 * On SQLite a second handle in the gateway's own process works (the data-dir lock names this pid);
 * a child-process gateway must be stopped first.
 */
export function openLedgerDatabase(env: Record<string, string>): Promise<Database> {
  return openDatabase({
    dataDir: env.MEDIAGATE_DATA_DIR,
    ...(env.DATABASE_URL ? { url: env.DATABASE_URL } : {}),
    ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}),
  });
}

export interface Entry {
  id: string;
  job_id: string | null;
  kind: string;
  amount: number;
  created_at: number;
}

export interface LedgerProof {
  entries: Entry[];
  account: { balance: number; reserved: number; active_jobs: number };
  /** Per job: its reservation, capture and release amounts (each asserted to exist exactly once). */
  jobs: Map<string, { reservation: number; capture: number; release: number; loss: number }>;
  captured: number;
  opening: number;
  /** The lowest balance and available (balance − reserved) the entries ever implied. */
  lowestBalance: number;
  lowestAvailable: number;
}

// Entries of one millisecond have no order between them (the id's tail is random): within a
// millisecond, money coming back is counted before money going out, so the running figures are
// those at the millisecond's end, never a mid-millisecond state the database did not have.
const ORDER: Record<string, number> = { top_up: 0, adjustment: 1, release: 2, capture: 3, loss: 4, reservation: 5 };

/**
 * Reads an account's ledger and row and checks what must hold once all its jobs have ended: every
 * job has exactly one reservation, one capture and one release, capture + release = reservation,
 * nothing stays reserved, the balance is the opening balance less the captures, and the running
 * balance and available credit never went below 0.
 */
export async function proveLedger(database: Database, accountId: string): Promise<LedgerProof> {
  const rows = await database.db
    .selectFrom('ledger_entries')
    .select(['id', 'job_id', 'kind', 'amount', 'created_at'])
    .where('account_id', '=', accountId)
    .execute();
  const entries = rows
    .map((r) => ({ ...r, amount: Number(r.amount), created_at: Number(r.created_at) }))
    .sort((a, b) => a.created_at - b.created_at || ORDER[a.kind] - ORDER[b.kind] || a.id.localeCompare(b.id));
  const row = await database.db
    .selectFrom('accounts')
    .select(['balance', 'reserved', 'active_jobs'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const account = { balance: Number(row.balance), reserved: Number(row.reserved), active_jobs: row.active_jobs };

  const byJob = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (entry.job_id === null) continue;
    byJob.set(entry.job_id, [...(byJob.get(entry.job_id) ?? []), entry]);
  }
  const jobs = new Map<string, { reservation: number; capture: number; release: number; loss: number }>();
  for (const [jobId, list] of byJob) {
    const kinds = list
      .map((e) => e.kind)
      .filter((k) => k !== 'loss')
      .sort();
    expect(kinds, `ledger entries of ${jobId}`).toEqual(['capture', 'release', 'reservation']);
    const amount = (kind: string) => list.find((e) => e.kind === kind)?.amount ?? 0;
    const settled = {
      reservation: amount('reservation'),
      capture: amount('capture'),
      release: amount('release'),
      loss: amount('loss'),
    };
    expect(settled.capture + settled.release, `capture + release of ${jobId}`).toBe(settled.reservation);
    jobs.set(jobId, settled);
  }

  let balance = 0;
  let reserved = 0;
  let lowestBalance = 0;
  let lowestAvailable = 0;
  let opening = 0;
  for (const entry of entries) {
    if (entry.kind === 'top_up') {
      balance += entry.amount;
      opening += entry.amount;
    } else if (entry.kind === 'adjustment') balance += entry.amount;
    else if (entry.kind === 'reservation') reserved += entry.amount;
    else if (entry.kind === 'release') reserved -= entry.amount;
    else if (entry.kind === 'capture') {
      reserved -= entry.amount;
      balance -= entry.amount;
    }
    lowestBalance = Math.min(lowestBalance, balance);
    lowestAvailable = Math.min(lowestAvailable, balance - reserved);
  }
  const captured = [...jobs.values()].reduce((sum, j) => sum + j.capture, 0);
  expect(lowestBalance, 'lowest running balance').toBeGreaterThanOrEqual(0);
  expect(lowestAvailable, 'lowest running available credit').toBeGreaterThanOrEqual(0);
  expect(account, 'account row once every job ended').toEqual({
    balance: opening - captured,
    reserved: 0,
    active_jobs: 0,
  });
  expect(balance, 'balance the ledger implies').toBe(account.balance);
  expect(reserved, 'reserved the ledger implies').toBe(0);
  return { entries, account, jobs, captured, opening, lowestBalance, lowestAvailable };
}

export interface EndedJobRow {
  id: string;
  status: string;
  cost: number;
  billedUnits: number;
  loss: number | null;
  errorCode: string | null;
  results: { seconds?: number }[];
}

/** The account's only job once it has ended and been settled (its `cost` is set in the same transaction). */
export async function endedJobOf(database: Database, accountId: string, timeoutMs = 30_000): Promise<EndedJobRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await database.db.selectFrom('jobs').selectAll().where('account_id', '=', accountId).execute();
    if (rows.length > 1) throw new Error(`account ${accountId} has ${rows.length} jobs`);
    const row = rows[0];
    if (row && row.cost !== null) {
      return {
        id: row.id,
        status: row.status,
        cost: Number(row.cost),
        billedUnits: Number(row.billed_units),
        loss: row.loss === null ? null : Number(row.loss),
        errorCode: row.error ? (JSON.parse(row.error) as { code: string }).code : null,
        results: JSON.parse(row.results),
      };
    }
    if (Date.now() > deadline) throw new Error(`no ended job on ${accountId}: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The id of the account's only job, as soon as it exists. */
export async function jobIdOf(database: Database, accountId: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await database.db
      .selectFrom('jobs')
      .select('id')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row) return row.id;
    if (Date.now() > deadline) throw new Error(`no job on ${accountId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
