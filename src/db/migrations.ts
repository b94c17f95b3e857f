import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Ordered by name. Add new ones at the end; never edit one that has shipped. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('api_key_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('channel', 'text')
        .addColumn('operation', 'text')
        .addColumn('submitted_at', 'bigint')
        .addColumn('results', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
        .addColumn('error', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('status_calls', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .execute();
      await db.schema.createIndex('jobs_status_lease').on('jobs').columns(['status', 'lease_expires_at']).execute();
      await db.schema.createIndex('jobs_key_created').on('jobs').columns(['api_key_id', 'created_at']).execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '0002_idempotency_and_webhooks': {
    async up(db: Kysely<unknown>) {
      // SQLite adds one column per ALTER TABLE statement.
      await db.schema.alterTable('jobs').addColumn('idempotency_key', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('idempotency_fingerprint', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('webhook_url', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('remixed_from', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('deleted_at', 'bigint').execute();
      // The guarantee behind Idempotency-Key: of two concurrent inserts with one key, one fails.
      // Rows without a key hold NULL, which both databases leave out of uniqueness.
      await db.schema
        .createIndex('jobs_idempotency')
        .unique()
        .on('jobs')
        .columns(['api_key_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('jobs_key_kind_id').on('jobs').columns(['api_key_id', 'kind', 'id']).execute();

      await db.schema.alterTable('api_keys').addColumn('webhook_url', 'text').execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('api_key_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_job_event')
        .unique()
        .on('webhook_deliveries')
        .columns(['job_id', 'event_type'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('media_thumbnails')
        .addColumn('video_key', 'text', (c) => c.primaryKey())
        .addColumn('thumbnail_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_channel_routing': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('channel_key', 'text').execute();
      await db.schema
        .alterTable('jobs')
        .addColumn('submit_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0004_upstream_usage': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('usage', 'text').execute();
    },
  },
  '0005_original_request': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('original_request', 'text').execute();
    },
  },
  '0006_accounts_and_ledger': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('active_jobs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('prepaid', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('monthly_spend_limit', 'bigint')
        .addColumn('models', 'text')
        .addColumn('rpm_limit', 'integer')
        .addColumn('concurrency_limit', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // Every key that existed before accounts belongs to the default account, which is postpaid:
      // its usage is recorded and priced, but no balance stops it (as before this migration).
      const now = Date.now();
      await sql`INSERT INTO accounts (id, name, status, balance, reserved, active_jobs, prepaid, created_at, updated_at)
        VALUES ('acct_default', 'default', 'active', 0, 0, 0, 0, ${now}, ${now})`.execute(db);

      const keyColumns: [string, 'text' | 'bigint' | 'integer', boolean][] = [
        ['expires_at', 'bigint', false],
        ['last_used_at', 'bigint', false],
        ['spend_limit', 'bigint', false],
        ['models', 'text', false],
        ['rpm_limit', 'integer', false],
        ['concurrency_limit', 'integer', false],
        ['spent', 'bigint', true],
        ['reserved', 'bigint', true],
        ['active_jobs', 'integer', true],
      ];
      await db.schema
        .alterTable('api_keys')
        .addColumn('account_id', 'text', (c) => c.notNull().defaultTo('acct_default'))
        .execute();
      for (const [name, type, counter] of keyColumns) {
        await db.schema
          .alterTable('api_keys')
          .addColumn(name, type, (c) => (counter ? c.notNull().defaultTo(0) : c))
          .execute();
      }
      await db.schema.createIndex('api_keys_account').on('api_keys').columns(['account_id', 'created_at']).execute();

      await db.schema
        .createTable('admin_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('ledger_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('api_key_id', 'text')
        .addColumn('job_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // The rule that makes a second settlement of a job impossible, whatever the code does.
      await db.schema
        .createIndex('ledger_entries_job_once')
        .unique()
        .on('ledger_entries')
        .columns(['job_id', 'kind'])
        .where(sql<boolean>`kind in ('reservation', 'capture', 'release')`)
        .execute();
      await db.schema
        .createIndex('ledger_entries_account_time')
        .on('ledger_entries')
        .columns(['account_id', 'created_at'])
        .execute();

      for (const [name, type] of [
        ['account_id', 'text'],
        ['quote', 'text'],
        ['cost', 'bigint'],
        ['billed_units', 'real'],
        ['loss', 'bigint'],
      ] as const) {
        await db.schema.alterTable('jobs').addColumn(name, type).execute();
      }
      await db.schema.createIndex('jobs_account_created').on('jobs').columns(['account_id', 'created_at']).execute();

      await db.schema
        .createTable('rate_counters')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_counters_pk', ['scope', 'window_start'])
        .execute();

      // Prices set through the admin API, over the configured ones: shared by every instance.
      await db.schema
        .createTable('price_overrides')
        .addColumn('model', 'text', (c) => c.primaryKey())
        .addColumn('price', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0007_request_fingerprint': {
    async up(db: Kysely<unknown>) {
      // Every create request's fingerprint (endpoint and content), with or without an Idempotency-Key:
      // a client's automatic retry joins the job of the attempt before it, and an identical request
      // right after a failure gets that failure (src/jobs/repeated-request.ts). Older jobs keep NULL.
      await db.schema.alterTable('jobs').addColumn('request_fingerprint', 'text').execute();
      // When a stop ended the answer of a job still running (a stream's last delta, a 503): the same
      // request sent again, by any client, joins that job once instead of starting another.
      await db.schema.alterTable('jobs').addColumn('handed_off_at', 'bigint').execute();
      await db.schema
        .createIndex('jobs_key_fingerprint_created')
        .on('jobs')
        .columns(['api_key_id', 'request_fingerprint', 'created_at'])
        .execute();
    },
  },
  '0008_jobs_by_key': {
    async up(db: Kysely<unknown>) {
      // GET /v1/jobs: one key's jobs of every kind, newest first, paged by id.
      await db.schema.createIndex('jobs_key_id').on('jobs').columns(['api_key_id', 'id']).execute();
    },
  },
  '0009_instances': {
    async up(db: Kysely<unknown>) {
      // The instances that hold a liveness lock (PostgreSQL): one whose lock is gone died, and its
      // jobs are taken over at once. An owner not listed here (an older version) is judged by its
      // leases' expiry only, as before.
      await db.schema
        .createTable('instances')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .execute();
      // The instance that runs the job now or ran it last (`lease_owner` is cleared when it ends).
      await db.schema.alterTable('jobs').addColumn('instance', 'text').execute();
      // A dead instance's jobs, found by owner without a scan of every active job.
      await db.schema.createIndex('jobs_lease_owner').on('jobs').columns(['lease_owner']).execute();
    },
  },
  '0010_channel_limits': {
    async up(db: Kysely<unknown>) {
      // The channel whose concurrency slot a job holds, counted by every instance (src/jobs/channel-slots.ts).
      await db.schema.alterTable('jobs').addColumn('slot_channel', 'text').execute();
      // Counting a channel's slots reads this index alone: only jobs holding one are in it.
      await db.schema
        .createIndex('jobs_slot_channel')
        .on('jobs')
        .column('slot_channel')
        .where(sql.ref('slot_channel'), 'is not', null)
        .execute();
      // One row per submission to an upstream key with a rate limit, for a sliding window (src/limits/upstream-rate.ts).
      await db.schema
        .createTable('upstream_calls')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('upstream_calls_scope_at').on('upstream_calls').columns(['scope', 'at']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** Every migration this build knows, in order: readiness checks that each one is applied. */
export const knownMigrations: readonly string[] = Object.keys(migrations).sort();
