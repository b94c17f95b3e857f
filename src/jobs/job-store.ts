import { sql, type Kysely, type Selectable } from 'kysely';
import type { MediaKind } from '../catalog/types.js';
import type { GenerationRequest } from '../intent/types.js';
import type { DatabaseSchema, JobsTable } from '../db/schema.js';
import { readAdjustments } from '../intent/adjustments.js';
import type { NormalisedError, UpstreamUsage } from '../providers/types.js';
import type {
  JobListQuery,
  JobRecord,
  JobSearch,
  JobResult,
  JobStatus,
  JobStore,
  NewJob,
  ProgressUpdate,
  RepeatCandidate,
} from './types.js';
import { newJobId } from './ids.js';
import { reserve, settle } from '../billing/ledger.js';
import type { Quote } from '../billing/quote.js';
import { isUpstreamBilledFailure } from './upstream-billed.js';

const ACTIVE: JobStatus[] = ['queued', 'running'];

/** SQLite caps bound parameters per statement; lease renewals go out in slices of this size. */
const RENEW_BATCH = 500;
/** Progress rows per batched UPDATE (five parameters each, within SQLite's limit). */
const PROGRESS_BATCH = 150;

/** A stored request; one saved by an earlier version carries its adjustments as lines of text. */
function readRequest(text: string): JobRecord['request'] {
  const request = JSON.parse(text);
  return { ...request, adjustments: readAdjustments(request.adjustments) };
}

function toRecord(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    apiKeyId: row.api_key_id,
    model: row.model,
    kind: row.kind as MediaKind,
    request: readRequest(row.request),
    originalRequest: row.original_request ? readRequest(row.original_request) : null,
    status: row.status as JobStatus,
    progress: row.progress,
    channel: row.channel,
    operation: row.operation === null ? null : JSON.parse(row.operation),
    submittedAt: row.submitted_at,
    results: JSON.parse(row.results),
    usage: row.usage === null ? null : JSON.parse(row.usage),
    error: row.error === null ? null : JSON.parse(row.error),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    instance: row.instance ?? null,
    statusCalls: row.status_calls,
    channelKey: row.channel_key,
    submitAttempts: row.submit_attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    idempotencyKey: row.idempotency_key,
    idempotencyFingerprint: row.idempotency_fingerprint,
    requestFingerprint: row.request_fingerprint,
    handedOffAt: row.handed_off_at,
    webhookUrl: row.webhook_url,
    remixedFrom: row.remixed_from,
    deletedAt: row.deleted_at,
    accountId: row.account_id,
    quote: row.quote === null ? null : (JSON.parse(row.quote) as Quote),
    cost: row.cost,
    billedUnits: row.billed_units,
    loss: row.loss,
  };
}

/** The job store on Kysely: the same statements on SQLite and PostgreSQL. */
export class SqlJobStore implements JobStore {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(job: NewJob): Promise<JobRecord> {
    const row = {
      id: job.id,
      api_key_id: job.apiKeyId,
      model: job.model,
      kind: job.kind,
      request: JSON.stringify(job.request),
      original_request: job.originalRequest ? JSON.stringify(job.originalRequest) : null,
      status: 'queued',
      progress: 0,
      channel: job.channel,
      operation: null,
      submitted_at: null,
      results: '[]',
      error: null,
      lease_owner: job.leaseOwner ?? null,
      lease_expires_at: job.leaseExpiresAt ?? null,
      instance: job.leaseOwner ?? null,
      status_calls: 0,
      channel_key: null,
      submit_attempts: 0,
      created_at: job.createdAt,
      updated_at: job.createdAt,
      completed_at: null,
      idempotency_key: job.idempotencyKey ?? null,
      idempotency_fingerprint: job.idempotencyFingerprint ?? null,
      request_fingerprint: job.requestFingerprint ?? null,
      handed_off_at: null,
      webhook_url: job.webhookUrl ?? null,
      remixed_from: job.remixedFrom ?? null,
      deleted_at: null,
      usage: null,
      account_id: job.billing?.accountId ?? null,
      quote: job.billing ? JSON.stringify(job.billing.quote) : null,
      cost: null,
      billed_units: null,
      loss: null,
      slot_channel: null,
    };
    const { billing, rejection } = job;
    if (rejection) {
      // Refused by the gateway's own review: born terminal, so no crash can leave it queued for an
      // orphan scan to submit.
      Object.assign(row, { status: 'failed', error: JSON.stringify(rejection), completed_at: job.createdAt });
      row.lease_owner = null;
      row.lease_expires_at = null;
      row.instance = null;
    }
    if (!billing) {
      await this.db.insertInto('jobs').values(row).execute();
      return toRecord(row);
    }
    // The reservation and the job exist together or not at all: a crash between them cannot leave
    // money held for no job, or a job that nobody paid for. A job born terminal is settled at once.
    return this.db.transaction().execute(async (trx) => {
      await reserve(trx, {
        accountId: billing.accountId,
        apiKeyId: job.apiKeyId,
        jobId: job.id,
        model: job.model,
        amount: billing.quote.amount,
        now: job.createdAt,
        enforceLimits: !rejection,
      });
      await trx.insertInto('jobs').values(row).execute();
      const created = toRecord(row);
      return rejection ? settleEnded(trx, created, job.createdAt) : created;
    });
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async statusOf(id: string): Promise<JobStatus | null> {
    const row = await this.db.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirst();
    return row ? (row.status as JobStatus) : null;
  }

  async progressOf(ids: readonly string[]): Promise<{ id: string; status: JobStatus; progress: number }[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select(['id', 'status', 'progress'])
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((row) => ({ id: row.id, status: row.status as JobStatus, progress: row.progress }));
  }

  async claim(id: string, owner: string, now: number, leaseMs: number): Promise<JobRecord | null> {
    // One conditional UPDATE: of two instances racing for a job, exactly one matches.
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs, instance: owner, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .where((eb) =>
        eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now), eb('lease_owner', '=', owner)]),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return null;
    return this.get(id);
  }

  async renewLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]> {
    const held: string[] = [];
    for (let i = 0; i < ids.length; i += RENEW_BATCH) {
      const rows = await this.db
        .updateTable('jobs')
        .set({ lease_expires_at: now + leaseMs })
        .where('id', 'in', ids.slice(i, i + RENEW_BATCH))
        .where('lease_owner', '=', owner)
        .where('status', 'in', ACTIVE)
        .returning('id')
        .execute();
      for (const row of rows) held.push(row.id);
    }
    return held;
  }

  async takeOver(
    deadOwner: string | null,
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<JobRecord[]> {
    const ownedBy = deadOwner === null ? ('is' as const) : ('=' as const);
    // The outer conditions are checked again on each row after a concurrent update (PostgreSQL's
    // READ COMMITTED re-check), so of two instances taking over one dead owner, each job goes to one.
    const page = this.db
      .selectFrom('jobs')
      .select('id')
      .where('lease_owner', ownedBy, deadOwner)
      .where('status', 'in', ACTIVE)
      .orderBy('created_at')
      .limit(limit);
    const rows = await this.db
      .updateTable('jobs')
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs, instance: owner, updated_at: now })
      .where('id', 'in', page)
      .where('lease_owner', ownedBy, deadOwner)
      .where('status', 'in', ACTIVE)
      .returningAll()
      .execute();
    return rows.map(toRecord);
  }

  async releaseLeases(owner: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += RENEW_BATCH) {
      await this.db
        .updateTable('jobs')
        .set({ lease_owner: null, lease_expires_at: null })
        .where('id', 'in', ids.slice(i, i + RENEW_BATCH))
        .where('lease_owner', '=', owner)
        .where('status', 'in', ACTIVE)
        .execute();
    }
  }

  async markSubmitting(
    id: string,
    owner: string,
    channel: string,
    channelKey: string | null,
    now: number,
    request?: GenerationRequest,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        status: 'running',
        channel,
        channel_key: channelKey,
        submitted_at: now,
        submit_attempts: sql<number>`submit_attempts + 1`,
        updated_at: now,
        ...(request && { request: JSON.stringify(request) }),
      })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markNotSubmitted(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ submitted_at: null, updated_at: now })
      .where('id', '=', id)
      .where('operation', 'is', null)
      .execute();
  }

  async saveOperation(id: string, operation: Record<string, unknown>, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ operation: JSON.stringify(operation), updated_at: now })
      .where('id', '=', id)
      // A job another instance ended meanwhile (after taking it over) keeps the row it ended with.
      .where('status', 'in', ACTIVE)
      .execute();
  }

  async isOperationHeld(
    channel: string,
    operation: Record<string, unknown>,
    exceptJobId: string,
    since: number,
  ): Promise<boolean> {
    // Operations are stored as the JSON text of what the provider returned, and a provider builds a
    // found task's operation with the code `start` uses, so equal tasks have equal text. Job ids
    // sort by creation time: the id bound keeps the scan to recent jobs.
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('id', '>=', newJobId(since).slice(0, 'job_'.length + 9))
      .where('id', '<>', exceptJobId)
      .where('channel', '=', channel)
      .where('operation', '=', JSON.stringify(operation))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async saveProgressBatch(updates: ProgressUpdate[], now: number): Promise<void> {
    for (let i = 0; i < updates.length; i += PROGRESS_BATCH) {
      const chunk = updates.slice(i, i + PROGRESS_BATCH);
      const progress = sql<number>`CASE id ${sql.join(
        chunk.map((u) => sql`WHEN ${u.id} THEN ${u.progress}`),
        sql` `,
      )} ELSE progress END`;
      const calls = sql<number>`CASE id ${sql.join(
        chunk.map((u) => sql`WHEN ${u.id} THEN ${u.statusCalls}`),
        sql` `,
      )} ELSE status_calls END`;
      await this.db
        .updateTable('jobs')
        .set({ progress, status_calls: calls, updated_at: now })
        .where(
          'id',
          'in',
          chunk.map((u) => u.id),
        )
        .where('status', 'in', ACTIVE)
        .execute();
    }
  }

  async succeed(
    id: string,
    results: JobResult[],
    statusCalls: number,
    now: number,
    usage?: UpstreamUsage,
    owner?: string,
  ): Promise<JobRecord | null> {
    const values = {
      status: 'succeeded' as const,
      progress: 100,
      results: JSON.stringify(results),
      status_calls: statusCalls,
    };
    return this.finish(id, usage ? { ...values, usage: JSON.stringify(usage) } : values, now, owner);
  }

  async fail(
    id: string,
    error: NormalisedError,
    statusCalls: number,
    now: number,
    owner?: string,
  ): Promise<JobRecord | null> {
    return this.finish(id, { status: 'failed', error: JSON.stringify(error), status_calls: statusCalls }, now, owner);
  }

  async cancel(id: string, now: number): Promise<JobRecord | null> {
    return this.finish(
      id,
      { status: 'cancelled', error: JSON.stringify({ code: 'cancelled', message: 'The job was cancelled.' }) },
      now,
    );
  }

  async findOrphaned(now: number, limit: number, owner?: string, liveOwners: string[] = []): Promise<JobRecord[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', 'in', ACTIVE)
      .where((eb) =>
        eb.or([
          eb('lease_owner', 'is', null),
          liveOwners.length === 0
            ? eb('lease_expires_at', '<', now)
            : eb.and([eb('lease_expires_at', '<', now), eb('lease_owner', 'not in', liveOwners)]),
          ...(owner ? [eb('lease_owner', '=', owner)] : []),
        ]),
      )
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async findByIdempotencyKey(apiKeyId: string, key: string): Promise<JobRecord | null> {
    const row = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('api_key_id', '=', apiKeyId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async findNewestByFingerprint(apiKeyId: string, fingerprint: string): Promise<RepeatCandidate | null> {
    // Served by jobs_key_fingerprint_created: one index probe, newest first.
    const row = await this.db
      .selectFrom('jobs')
      .select(['id', 'status', 'completed_at', 'handed_off_at'])
      .where('api_key_id', '=', apiKeyId)
      .where('request_fingerprint', '=', fingerprint)
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      status: row.status as JobStatus,
      completedAt: row.completed_at,
      handedOffAt: row.handed_off_at,
    };
  }

  async markHandedOff(ids: readonly string[], now = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('jobs')
      .set({ handed_off_at: now })
      .where('id', 'in', [...ids])
      .execute();
  }

  async claimHandedOff(jobId: string, since: number): Promise<boolean> {
    // Two identical requests may race for it: the one whose update changes the row joins.
    const taken = await this.db
      .updateTable('jobs')
      .set({ handed_off_at: null })
      .where('id', '=', jobId)
      .where('handed_off_at', '>=', since)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) > 0;
  }

  async list(query: JobListQuery): Promise<JobRecord[]> {
    // Ids sort by creation time (see ids.ts), so the id is both the order and the cursor.
    let select = this.db
      .selectFrom('jobs')
      .selectAll()
      .where('api_key_id', '=', query.apiKeyId)
      .where('deleted_at', 'is', null);
    if (query.kind !== undefined) select = select.where('kind', '=', query.kind);
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.after !== undefined) select = select.where('id', query.order === 'asc' ? '>' : '<', query.after);
    const rows = await select.orderBy('id', query.order).limit(query.limit).execute();
    return rows.map(toRecord);
  }

  /** Jobs of every key, for the operator; ids sort by creation, so the id is the cursor. */
  async search(query: JobSearch): Promise<JobRecord[]> {
    let select = this.db.selectFrom('jobs').selectAll();
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.model !== undefined) select = select.where('model', '=', query.model);
    if (query.channel !== undefined) select = select.where('channel', '=', query.channel);
    if (query.accountId !== undefined) select = select.where('account_id', '=', query.accountId);
    if (query.apiKeyId !== undefined) select = select.where('api_key_id', '=', query.apiKeyId);
    if (query.since !== undefined) select = select.where('created_at', '>=', query.since);
    if (query.until !== undefined) select = select.where('created_at', '<', query.until);
    if (query.after !== undefined) select = select.where('id', '<', query.after);
    const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }

  async markDeleted(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ deleted_at: now, idempotency_key: null, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('status', 'not in', ACTIVE)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async isMediaReferenced(key: string, exceptJobId: string): Promise<boolean> {
    // Keys are content hashes, so identical renders and re-uploaded results share one file.
    // A substring scan of the JSON columns: deletions are rare, and keys contain no LIKE wildcards.
    const pattern = `%"${key}"%`;
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('id', '<>', exceptJobId)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('results', 'like', pattern), eb('request', 'like', pattern)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Terminal transitions apply once: a job already terminal keeps its outcome, and the answer is
   * null. Otherwise the finished row comes back from the same statement (RETURNING), with whatever
   * submission changed on it meanwhile.
   */
  private async finish(
    id: string,
    values: {
      status: JobStatus;
      progress?: number;
      results?: string;
      error?: string;
      status_calls?: number;
      usage?: string;
    },
    now: number,
    owner?: string,
  ): Promise<JobRecord | null> {
    // The terminal row and the job's settlement commit together: the UPDATE below matches an active
    // job once, so whichever path ends the job (delivery, failure, cancel, a takeover's give-up)
    // settles it, exactly once, and a crash before the commit leaves the job active and reserved,
    // to be settled when it is resumed.
    return this.db.transaction().execute(async (trx) => {
      let update = trx
        .updateTable('jobs')
        // An ended job holds no channel slot (src/jobs/channel-slots.ts counts the rows that name one).
        .set({
          ...values,
          lease_owner: null,
          lease_expires_at: null,
          slot_channel: null,
          updated_at: now,
          completed_at: now,
        })
        .where('id', '=', id)
        .where('status', 'in', ACTIVE);
      // A job another instance took over is that instance's to finish.
      if (owner !== undefined)
        update = update.where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner)]));
      const row = await update.returningAll().executeTakeFirst();
      if (!row) return null;
      return settleEnded(trx, toRecord(row), now);
    });
  }
}

/** Settles a job that has just become terminal, in the transaction that made it so; the job with its cost. */
async function settleEnded(trx: Kysely<DatabaseSchema>, job: JobRecord, now: number): Promise<JobRecord> {
  if (!job.accountId || !job.quote) return job;
  const settlement = await settle(
    trx,
    {
      id: job.id,
      accountId: job.accountId,
      apiKeyId: job.apiKeyId,
      model: job.model,
      quote: job.quote,
      succeeded: job.status === 'succeeded',
      delivered: job.results,
      upstreamBilled: job.error !== null && isUpstreamBilledFailure(job.error, job.channel),
    },
    now,
  );
  const billed = { cost: settlement.amount, billed_units: settlement.units, loss: settlement.loss || null };
  await trx.updateTable('jobs').set(billed).where('id', '=', job.id).execute();
  return { ...job, cost: billed.cost, billedUnits: billed.billed_units, loss: billed.loss };
}
