import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';
import type { LedgerKind } from './ledger.js';

export interface LedgerEntry {
  id: string;
  accountId: string;
  apiKeyId: string | null;
  jobId: string | null;
  kind: LedgerKind;
  amount: number;
  model: string | null;
  note: string | null;
  createdAt: number;
}

export interface LedgerQuery {
  accountId?: string;
  jobId?: string;
  kind?: LedgerKind;
  since?: number;
  until?: number;
  /** Exclusive cursor: an entry id; entries come newest first. */
  before?: string;
  limit: number;
}

/** Ledger entries, newest first. */
export async function listLedgerEntries(db: Kysely<DatabaseSchema>, query: LedgerQuery): Promise<LedgerEntry[]> {
  let select = db.selectFrom('ledger_entries').selectAll();
  if (query.accountId !== undefined) select = select.where('account_id', '=', query.accountId);
  if (query.jobId !== undefined) select = select.where('job_id', '=', query.jobId);
  if (query.kind !== undefined) select = select.where('kind', '=', query.kind);
  if (query.since !== undefined) select = select.where('created_at', '>=', query.since);
  if (query.until !== undefined) select = select.where('created_at', '<', query.until);
  if (query.before !== undefined) select = select.where('id', '<', query.before);
  const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    accountId: row.account_id,
    apiKeyId: row.api_key_id,
    jobId: row.job_id,
    kind: row.kind as LedgerKind,
    amount: Number(row.amount),
    model: row.model,
    note: row.note,
    createdAt: row.created_at,
  }));
}
