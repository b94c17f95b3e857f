import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';
import { GenerationError } from '../errors/generation-error.js';
import { type Charge, chargeFor, type DeliveredOutput, type Quote } from './quote.js';

/** The statements of one transaction (a Kysely `Transaction` is a `Kysely`). */
type Tx = Kysely<DatabaseSchema>;

export type LedgerKind = 'top_up' | 'reservation' | 'capture' | 'release' | 'adjustment' | 'loss';

let lastTime = 0;
let sequence = 0;

/**
 * Sortable by creation: a zero-padded time, a counter within the millisecond (so a job's capture
 * sorts before its release), then randomness against other instances.
 */
export function newLedgerEntryId(now: number): string {
  sequence = now === lastTime ? sequence + 1 : 0;
  lastTime = now;
  return `le_${now.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(3, '0')}${randomBytes(5).toString('hex')}`;
}

/** Credits as people read them (`1,250,000`), in refusals here and in the CLI's tables. */
export const formatCredits = (n: number) => n.toLocaleString('en-US');

/** 10^15 credits (a billion dollars at the default unit): far below 2^53, so every sum stays exact. */
export const MAX_BALANCE = 1_000_000_000_000_000;

export interface Reservation {
  accountId: string;
  apiKeyId: string;
  jobId: string;
  model: string;
  amount: number;
  now: number;
  /**
   * False for a request the gateway's own review refused: it holds nothing and runs nothing, so no
   * balance, spend or concurrency limit should answer in place of the block.
   */
  enforceLimits?: boolean;
}

/** Why a reservation was refused, worded for the customer: what is left and what to do. */
async function refusal(trx: Tx, r: Reservation, scope: 'account' | 'key'): Promise<GenerationError> {
  if (scope === 'account') {
    const account = await trx.selectFrom('accounts').selectAll().where('id', '=', r.accountId).executeTakeFirst();
    if (account?.status !== 'active')
      return new GenerationError('account_suspended', 'This account is suspended. Contact the operator.', null, {
        retry: false,
      });
    if (account.concurrency_limit !== null && account.active_jobs >= account.concurrency_limit)
      return tooManyJobs('account', account.concurrency_limit);
    const available = Number(account.balance) - Number(account.reserved);
    return new GenerationError(
      'insufficient_quota',
      `This request needs up to ${formatCredits(r.amount)} credits, but the account has ${formatCredits(Math.max(0, available))} ` +
        `available (balance ${formatCredits(Number(account.balance))}, ${formatCredits(Number(account.reserved))} held by running jobs). ` +
        'Top up the account, or ask for fewer or shorter outputs.',
      null,
      { retry: false },
    );
  }
  const key = await trx.selectFrom('api_keys').selectAll().where('id', '=', r.apiKeyId).executeTakeFirst();
  if (key && key.concurrency_limit !== null && key.active_jobs >= key.concurrency_limit)
    return tooManyJobs('API key', key.concurrency_limit);
  const limit = Number(key?.spend_limit ?? 0);
  const left = limit - Number(key?.spent ?? 0) - Number(key?.reserved ?? 0);
  return new GenerationError(
    'insufficient_quota',
    `This request needs up to ${formatCredits(r.amount)} credits, but this API key's spend limit of ${formatCredits(limit)} ` +
      `credits leaves ${formatCredits(Math.max(0, left))}. Ask the operator to raise the key's limit.`,
    null,
    { retry: false },
  );
}

const tooManyJobs = (scope: string, limit: number) =>
  new GenerationError(
    'rate_limit_exceeded',
    `This ${scope} already has ${limit} jobs running, its limit. Wait for one to finish, then send the request again.`,
    null,
    // A job takes seconds to minutes: an SDK's automatic retry a second later would be refused too;
    // Retry-After tells a person or a patient client when trying again makes sense.
    { retry: false, afterSeconds: 10 },
  );

const monthStart = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

/**
 * Holds the most a job can cost against the account's balance and limits and the key's, in the
 * caller's transaction (the one that inserts the job): both rows are changed by conditional
 * UPDATEs, which on PostgreSQL lock them, so concurrent reservations on any instance queue up and
 * none can overspend. Throws the refusal, and the transaction rolls back.
 */
export async function reserve(trx: Tx, r: Reservation): Promise<void> {
  const enforce = r.enforceLimits !== false;
  let accountUpdate = trx
    .updateTable('accounts')
    .set((eb) => ({
      reserved: eb('reserved', '+', r.amount),
      active_jobs: eb('active_jobs', '+', 1),
      updated_at: r.now,
    }))
    .where('id', '=', r.accountId)
    .where('status', '=', 'active');
  if (enforce)
    accountUpdate = accountUpdate
      .where((eb) => eb.or([eb('prepaid', '=', 0), eb(eb('balance', '-', eb.ref('reserved')), '>=', r.amount)]))
      .where((eb) => eb.or([eb('concurrency_limit', 'is', null), eb('active_jobs', '<', eb.ref('concurrency_limit'))]));
  const account = await accountUpdate.returning(['reserved', 'monthly_spend_limit']).executeTakeFirst();
  if (!account) throw await refusal(trx, r, 'account');

  if (enforce && account.monthly_spend_limit !== null) {
    const { spent } = await trx
      .selectFrom('ledger_entries')
      .select(sql<string | number | null>`sum(amount)`.as('spent'))
      .where('account_id', '=', r.accountId)
      .where('kind', '=', 'capture')
      .where('created_at', '>=', monthStart(r.now))
      .executeTakeFirstOrThrow();
    const committed = Number(spent ?? 0) + Number(account.reserved);
    if (committed > Number(account.monthly_spend_limit)) {
      const left = Number(account.monthly_spend_limit) - committed + r.amount;
      throw new GenerationError(
        'insufficient_quota',
        `This request needs up to ${formatCredits(r.amount)} credits, but the account's monthly spend limit of ` +
          `${formatCredits(Number(account.monthly_spend_limit))} leaves ${formatCredits(Math.max(0, left))} this month.`,
        null,
        { retry: false },
      );
    }
  }

  let keyUpdate = trx
    .updateTable('api_keys')
    .set((eb) => ({ reserved: eb('reserved', '+', r.amount), active_jobs: eb('active_jobs', '+', 1) }))
    .where('id', '=', r.apiKeyId);
  if (enforce)
    keyUpdate = keyUpdate
      .where((eb) =>
        eb.or([
          eb('spend_limit', 'is', null),
          eb(eb(eb('spent', '+', eb.ref('reserved')), '+', r.amount), '<=', eb.ref('spend_limit')),
        ]),
      )
      .where((eb) => eb.or([eb('concurrency_limit', 'is', null), eb('active_jobs', '<', eb.ref('concurrency_limit'))]));
  const key = await keyUpdate.returning('id').executeTakeFirst();
  if (!key) throw await refusal(trx, r, 'key');

  await trx
    .insertInto('ledger_entries')
    .values({
      id: newLedgerEntryId(r.now),
      account_id: r.accountId,
      api_key_id: r.apiKeyId,
      job_id: r.jobId,
      kind: 'reservation',
      amount: r.amount,
      model: r.model,
      note: null,
      created_at: r.now,
    })
    .execute();
}

/** A job that has just ended, as far as its settlement goes. */
export interface EndedJob {
  id: string;
  accountId: string;
  apiKeyId: string;
  model: string;
  quote: Quote;
  succeeded: boolean;
  delivered: readonly DeliveredOutput[];
  /** The upstream made (and billed) work that the gateway did not deliver: a lost download, a withheld result. */
  upstreamBilled: boolean;
}

export interface Settlement extends Charge {
  released: number;
  /** What the undelivered work was worth, recorded for the operator to reconcile with the upstream. */
  loss: number;
}

/**
 * Ends a job's reservation, in the transaction that made the job terminal, so it happens exactly
 * once: the delivered part is captured, the rest released, and the job's counters come off the
 * account and key. The unique index on (job_id, kind) refuses a second capture or release even if
 * some future path tried.
 */
export async function settle(trx: Tx, job: EndedJob, now: number): Promise<Settlement> {
  const charge = job.succeeded ? chargeFor(job.quote, job.delivered) : { units: 0, amount: 0 };
  const reserved = job.quote.amount;
  const released = reserved - charge.amount;
  const loss = job.upstreamBilled && charge.amount === 0 ? reserved : 0;
  const entry = (kind: LedgerKind, amount: number) => ({
    id: newLedgerEntryId(now),
    account_id: job.accountId,
    api_key_id: job.apiKeyId,
    job_id: job.id,
    kind,
    amount,
    model: job.model,
    note: null,
    created_at: now,
  });
  await trx
    .insertInto('ledger_entries')
    .values([entry('capture', charge.amount), entry('release', released), ...(loss > 0 ? [entry('loss', loss)] : [])])
    .execute();
  await trx
    .updateTable('accounts')
    .set((eb) => ({
      reserved: eb('reserved', '-', reserved),
      balance: eb('balance', '-', charge.amount),
      active_jobs: eb('active_jobs', '-', 1),
      updated_at: now,
    }))
    .where('id', '=', job.accountId)
    .execute();
  await trx
    .updateTable('api_keys')
    .set((eb) => ({
      reserved: eb('reserved', '-', reserved),
      spent: eb('spent', '+', charge.amount),
      active_jobs: eb('active_jobs', '-', 1),
    }))
    .where('id', '=', job.apiKeyId)
    .execute();
  return { ...charge, released, loss };
}

/** Adds credits to an account (a top-up, or a signed adjustment), recorded in the ledger; returns the new balance. */
export async function credit(
  trx: Tx,
  move: { accountId: string; kind: 'top_up' | 'adjustment'; amount: number; note?: string; now: number },
): Promise<{ entryId: string; balance: number } | undefined> {
  const row = await trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '+', move.amount), updated_at: move.now }))
    .where('id', '=', move.accountId)
    // Balances stay where doubles (SQLite's arithmetic on bound numbers) are exact.
    .where((eb) => eb(eb('balance', '+', move.amount), '<=', MAX_BALANCE))
    .where((eb) => eb(eb('balance', '+', move.amount), '>=', -MAX_BALANCE))
    .returning('balance')
    .executeTakeFirst();
  if (!row) return undefined;
  const entryId = newLedgerEntryId(move.now);
  await trx
    .insertInto('ledger_entries')
    .values({
      id: entryId,
      account_id: move.accountId,
      api_key_id: null,
      job_id: null,
      kind: move.kind,
      amount: move.amount,
      model: null,
      note: move.note ?? null,
      created_at: move.now,
    })
    .execute();
  return { entryId, balance: Number(row.balance) };
}
