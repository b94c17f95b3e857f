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

export interface DatabaseSchema {
  jobs: JobsTable;
  api_keys: ApiKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
  media_thumbnails: MediaThumbnailsTable;
}
