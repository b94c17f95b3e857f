import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, WebhookDeliveriesTable } from '../db/schema.js';

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

export interface NewDelivery {
  id: string;
  jobId: string;
  apiKeyId: string;
  eventType: string;
  url: string;
  payload: string;
}

/** Pending webhook deliveries in the database, so a restart (or another instance) carries on with them. */
export class WebhookDeliveryStore {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** One delivery per job and event type: a second enqueue of the same event is a no-op. */
  async enqueue(delivery: NewDelivery, now: number): Promise<void> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        id: delivery.id,
        job_id: delivery.jobId,
        api_key_id: delivery.apiKeyId,
        event_type: delivery.eventType,
        url: delivery.url,
        payload: delivery.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        created_at: now,
        updated_at: now,
        delivered_at: null,
      })
      .onConflict((oc) => oc.columns(['job_id', 'event_type']).doNothing())
      .execute();
  }

  async get(id: string): Promise<DeliveryRow | null> {
    return (await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async due(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Takes a due delivery for one attempt by pushing its next attempt past the attempt's timeout:
   * of several senders, exactly one matches, and if it dies the delivery comes due again.
   */
  async claim(id: string, now: number, holdMs: number): Promise<DeliveryRow | null> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now + holdMs, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 0 ? null : this.get(id);
  }

  async delivered(id: string, attempts: number, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered', attempts, delivered_at: now, updated_at: now, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async retryAt(id: string, attempts: number, nextAttemptAt: number, error: string, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ attempts, next_attempt_at: nextAttemptAt, last_error: error, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async giveUp(id: string, attempts: number, error: string, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', attempts, last_error: error, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Finished jobs since `since` that have no delivery yet (their process died before enqueuing). */
  async finishedWithoutDelivery(since: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .leftJoin('webhook_deliveries', 'webhook_deliveries.job_id', 'jobs.id')
      .select('jobs.id')
      .where('webhook_deliveries.id', 'is', null)
      .where('jobs.status', 'in', ['succeeded', 'failed', 'cancelled'])
      .where('jobs.completed_at', '>=', since)
      .where('jobs.deleted_at', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }
}
