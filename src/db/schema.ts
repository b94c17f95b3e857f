import type { Generated } from 'kysely';

/** JSON values are stored as TEXT and timestamps as BIGINT unix milliseconds, identically on both databases. */
export interface JobsTable {
  id: string;
  api_key_id: string;
  model: string;
  kind: string;
  request: string;
  status: string;
  progress: Generated<number>;
  channel: string | null;
  operation: string | null;
  submitted_at: number | null;
  results: Generated<string>;
  error: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  status_calls: Generated<number>;
  /** Fingerprint of the channel key that submitted the task (tasks are polled with it). */
  channel_key: string | null;
  /** Submissions made for this job (retries and failovers included). */
  submit_attempts: Generated<number>;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  /** Added by 0002: set together when a create request carried an Idempotency-Key. */
  idempotency_key: Generated<string | null>;
  /** Endpoint and content of the request that created the job, to tell a retry from a conflict. */
  idempotency_fingerprint: Generated<string | null>;
  webhook_url: Generated<string | null>;
  /** Job id of the video this one remixes. */
  remixed_from: Generated<string | null>;
  deleted_at: Generated<number | null>;
  /** Added by 0004: the upstream's token usage (JSON), when it reports one. */
  usage: Generated<string | null>;
  /** Added by 0005: the request before it was fitted to a channel (JSON), for re-fitting it on a failover. */
  original_request: Generated<string | null>;
  /** Added by 0006: the account charged for the job (null on jobs from before accounts). */
  account_id: Generated<string | null>;
  /** The price quote reserved for the job (JSON `Quote`); null when nothing was reserved. */
  quote: Generated<string | null>;
  /** Credits captured when the job ended: what was delivered; null while it runs. */
  cost: Generated<number | null>;
  /** Units charged: images, or seconds of video. */
  billed_units: Generated<number | null>;
  /** What the upstream likely billed for work the gateway could not deliver, for reconciliation. */
  loss: Generated<number | null>;
  /** Added by 0007: endpoint and content of the creating request, set with or without an Idempotency-Key. */
  request_fingerprint: Generated<string | null>;
  handed_off_at: Generated<number | null>;
  /** Added by 0009: the instance that runs the job now, or ran it last. */
  instance: Generated<string | null>;
  /** Added by 0010: the channel whose concurrency slot the job holds while its task may be upstream. */
  slot_channel: Generated<string | null>;
}

/** Added by 0009: instances that hold a liveness lock on PostgreSQL (see src/db/instance-lock.ts). */
export interface InstancesTable {
  id: string;
  host: string;
  started_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  /** Default webhook for this key's jobs (0002). */
  webhook_url: Generated<string | null>;
  /** 0006: the account the key belongs to, and the limits that narrow the account's. */
  account_id: Generated<string>;
  expires_at: Generated<number | null>;
  last_used_at: Generated<number | null>;
  spend_limit: Generated<number | null>;
  /** JSON array of public model names; null allows every model the account allows. */
  models: Generated<string | null>;
  rpm_limit: Generated<number | null>;
  concurrency_limit: Generated<number | null>;
  /** Credits captured for this key's jobs, and reserved for those still running. */
  spent: Generated<number>;
  reserved: Generated<number>;
  active_jobs: Generated<number>;
}

/** A customer (0006). Money in credits (integers). */
export interface AccountsTable {
  id: string;
  name: string;
  /** `active` or `suspended`. */
  status: Generated<string>;
  /** Funds; captures take from it, top-ups add to it. */
  balance: Generated<number>;
  /** Sum of the open reservations of running jobs. */
  reserved: Generated<number>;
  active_jobs: Generated<number>;
  /** 1: balance − reserved must cover a job's reservation. 0 (postpaid): usage is recorded, nothing stops it. */
  prepaid: Generated<number>;
  monthly_spend_limit: number | null;
  models: string | null;
  rpm_limit: number | null;
  concurrency_limit: number | null;
  created_at: number;
  updated_at: number;
}

export interface AdminKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

/** Every movement of money (0006). */
export interface LedgerEntriesTable {
  id: string;
  account_id: string;
  api_key_id: string | null;
  job_id: string | null;
  /** top_up | reservation | capture | release | adjustment | loss */
  kind: string;
  /** A magnitude, except `adjustment`, which is signed. */
  amount: number;
  model: string | null;
  note: string | null;
  created_at: number;
}

/** Requests counted per scope (a key or an account) and fixed one-minute window (0006). */
export interface RateCountersTable {
  scope: string;
  window_start: number;
  count: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  job_id: string;
  api_key_id: string;
  event_type: string;
  url: string;
  /** The exact body sent on every attempt. */
  payload: string;
  /** `pending`, `delivered` or `failed` (gave up). */
  status: string;
  attempts: Generated<number>;
  /** Also serves as a claim: a sender pushes it forward before sending. */
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** Thumbnails derived from stored videos, by the video's storage key. */
export interface MediaThumbnailsTable {
  video_key: string;
  thumbnail_key: string;
  created_at: number;
}

/** 0010: submissions to a rate-limited upstream key (`<channel>:<key fingerprint>`), kept one window. */
export interface UpstreamCallsTable {
  scope: string;
  at: number;
}

export interface DatabaseSchema {
  jobs: JobsTable;
  instances: InstancesTable;
  api_keys: ApiKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
  media_thumbnails: MediaThumbnailsTable;
  accounts: AccountsTable;
  admin_keys: AdminKeysTable;
  ledger_entries: LedgerEntriesTable;
  rate_counters: RateCountersTable;
  price_overrides: PriceOverridesTable;
  upstream_calls: UpstreamCallsTable;
}

/** A model's price set at run time (0006), JSON `ModelPrice`. */
export interface PriceOverridesTable {
  model: string;
  price: string;
  updated_at: number;
}
