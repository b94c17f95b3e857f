import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { JobEvent, JobEvents } from '../jobs/events.js';
import type { JobRecord, JobStore } from '../jobs/types.js';
import type { WebhookDeliveryStore } from './delivery-store.js';
import { webhookEventFor } from './event.js';
import type { KeyWebhookDefaults } from './key-defaults.js';
import { safePost, WebhookSendError } from './safe-post.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { originOf } from './url-policy.js';

export interface WebhookDispatcherDeps {
  deliveries: WebhookDeliveryStore;
  keyDefaults: KeyWebhookDefaults;
  jobs: Pick<JobStore, 'get'>;
  events: JobEvents;
  settings: Config['webhooks'];
  /** Reference-fetching allowlist: the only private hosts webhooks may reach. */
  allowlist: readonly string[];
  secret: string;
  mediaUrl: (key: string) => string;
  log: FastifyBaseLogger;
}

/** Due retries attempted at once by one process. */
const MAX_CONCURRENT = 8;
/** First attempts made at once as jobs finish; past this they wait for the retry scan. */
const MAX_IMMEDIATE = 64;
/** On start, finished jobs this recent that have no delivery are looked at again. */
const SWEEP_WINDOW_MS = 15 * 60_000;

/** Event ids follow from job and type, so every path that enqueues one event names the same row. */
const deliveryId = (jobId: string, type: string) =>
  `evt_${createHash('sha256').update(`${jobId}\n${type}`).digest('hex').slice(0, 32)}`;

/**
 * Sends a signed event when a job completes or fails. Deliveries are rows in the database before
 * the first attempt; failed attempts are retried with exponential backoff (with jitter) until
 * `maxAttempts`, by whichever instance finds them due, so a restart loses none.
 */
export class WebhookDispatcher {
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  /** A slow database must not stack up overlapping scans. */
  private scanning = false;

  constructor(private readonly deps: WebhookDispatcherDeps) {}

  start(): void {
    this.unsubscribe = this.deps.events.subscribeAll((event) => this.onEvent(event));
    this.timer = setInterval(() => void this.runDue(), this.deps.settings.pollMs);
    this.timer.unref();
    this.track(this.sweep());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    await Promise.allSettled([...this.inflight]);
  }

  private onEvent(event: JobEvent): void {
    if (event.type !== 'finished' || this.stopped) return;
    this.track(this.enqueue(event.job));
  }

  /** Where a job's events go: its own `webhook_url`, else its key's default, else the configured default. */
  private async targetOf(job: JobRecord): Promise<string | null> {
    return job.webhookUrl ?? (await this.deps.keyDefaults.get(job.apiKeyId)) ?? this.deps.settings.defaultUrl ?? null;
  }

  private async enqueue(job: JobRecord): Promise<void> {
    const event = webhookEventFor(job, this.deps.mediaUrl);
    if (!event) return;
    const url = await this.targetOf(job);
    if (!url) return;
    const now = Date.now();
    const id = deliveryId(job.id, event.type);
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: event.type,
      created_at: Math.floor(now / 1000),
      data: event.data,
    });
    await this.deps.deliveries.enqueue(
      { id, jobId: job.id, apiKeyId: job.apiKeyId, eventType: event.type, url, payload },
      now,
    );
    if (this.inflight.size <= MAX_IMMEDIATE) await this.attempt(id);
  }

  private async runDue(): Promise<void> {
    if (this.stopped || this.scanning || this.inflight.size >= MAX_CONCURRENT) return;
    this.scanning = true;
    try {
      const ids = await this.deps.deliveries.due(Date.now(), MAX_CONCURRENT - this.inflight.size);
      for (const id of ids) this.track(this.attempt(id));
    } catch (err) {
      this.deps.log.error({ err }, 'webhook scan failed');
    } finally {
      this.scanning = false;
    }
  }

  /** Enqueues events of jobs that finished while their process was dying (between the job row and its delivery row). */
  private async sweep(): Promise<void> {
    try {
      const ids = await this.deps.deliveries.finishedWithoutDelivery(Date.now() - SWEEP_WINDOW_MS, 500);
      for (const id of ids) {
        if (this.stopped) return;
        const job = await this.deps.jobs.get(id);
        if (job) await this.enqueue(job);
      }
    } catch (err) {
      this.deps.log.error({ err }, 'webhook start-up sweep failed');
    }
  }

  private backoffMs(attempts: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.deps.settings;
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempts - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private async attempt(id: string): Promise<void> {
    if (this.stopped) return;
    const { deliveries, settings, secret, log } = this.deps;
    const started = Date.now();
    const delivery = await deliveries.claim(id, started, settings.timeoutMs + 5_000);
    if (!delivery) return;
    const attempts = delivery.attempts + 1;
    const timestamp = Math.floor(started / 1000);
    const headers = {
      'user-agent': 'mediagate-webhooks/0.1',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(timestamp),
      [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, delivery.payload),
    };
    let failure: { message: string; permanent: boolean };
    try {
      const status = await safePost(delivery.url, delivery.payload, headers, {
        timeoutMs: settings.timeoutMs,
        allowlist: this.deps.allowlist,
      });
      if (status >= 200 && status < 300) {
        await deliveries.delivered(id, attempts, Date.now());
        return;
      }
      failure = { message: `receiver answered HTTP ${status}`, permanent: false };
    } catch (err) {
      failure =
        err instanceof WebhookSendError
          ? { message: err.message, permanent: err.permanent }
          : { message: (err as Error).message, permanent: false };
    }
    const now = Date.now();
    const where = { deliveryId: id, jobId: delivery.job_id, target: originOf(delivery.url), attempts };
    if (failure.permanent || attempts >= settings.maxAttempts) {
      await deliveries.giveUp(id, attempts, failure.message, now);
      log.warn({ ...where, reason: failure.message }, 'webhook delivery given up');
      return;
    }
    await deliveries.retryAt(id, attempts, now + this.backoffMs(attempts), failure.message, now);
    log.info({ ...where, reason: failure.message }, 'webhook delivery failed; will retry');
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((err) => this.deps.log.error({ err }, 'webhook delivery failed with an internal error'))
      .finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }
}
