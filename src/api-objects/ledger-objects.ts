import { listPage } from './list-page.js';
import { z } from 'zod';
import type { LedgerEntry } from '../billing/ledger-entries.js';
import { credits, unixSeconds } from './account-objects.js';

/* Ledger entries as the admin API answers them and `mediagate accounts ledger --json` prints them. */

export const ledgerKinds = ['top_up', 'reservation', 'capture', 'release', 'adjustment', 'loss'] as const;

export const ledgerEntryObject = z.object({
  object: z.literal('ledger_entry'),
  id: z.string().describe('Time-sortable.'),
  account_id: z.string(),
  api_key_id: z.string().nullable(),
  job_id: z.string().nullable(),
  kind: z.enum(ledgerKinds),
  amount: credits.describe('A magnitude ≥ 0, except for adjustments (signed).'),
  model: z.string().nullable(),
  note: z.string().nullable(),
  created_at: z.number().int(),
});

export const ledgerList = z.object({
  object: z.literal('list'),
  data: z.array(ledgerEntryObject),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});

export function toLedgerEntryObject(entry: LedgerEntry): z.infer<typeof ledgerEntryObject> {
  return {
    object: 'ledger_entry',
    id: entry.id,
    account_id: entry.accountId,
    api_key_id: entry.apiKeyId,
    job_id: entry.jobId,
    kind: entry.kind,
    amount: entry.amount,
    model: entry.model,
    note: entry.note,
    created_at: unixSeconds(entry.createdAt),
  };
}

/** One page of `limit` entries from entries read with `limit + 1` (see listPage). */
export function toLedgerPage(entries: LedgerEntry[], limit: number): z.infer<typeof ledgerList> {
  return listPage(entries, limit, toLedgerEntryObject);
}
