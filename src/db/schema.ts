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
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

export interface DatabaseSchema {
  jobs: JobsTable;
  api_keys: ApiKeysTable;
}
