import { z } from 'zod';
import { billingSchema } from '../billing/config-billing.js';
import { moderationSchema } from '../moderation/config-schema.js';

const byteSize = z.number().int().positive();

/** One upstream account. YAML example in README ("Channels"). */
export const channelSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'letters, digits, "_", "." and "-" only'),
  /** Protocol: openai-images, openai-videos, gemini, bfl, ark, dashscope, recraft, chat-relay, kling. */
  type: z.string(),
  /** Defaults to the protocol's public endpoint. */
  baseUrl: z.string().url().optional(),
  keys: z.array(z.string().min(1)).default([]),
  /** Public model name → upstream model name; a list means the same name on both sides. */
  models: z.union([z.record(z.string(), z.string()), z.array(z.string())]),
  /** Higher is tried first. */
  priority: z.number().int().default(0),
  /** Share of traffic among channels of equal priority. */
  weight: z.number().positive().default(1),
  /**
   * Most jobs holding the channel at once across every instance on the database; more wait their
   * turn. Default by the upstream's kind: 200 where it runs the channel's models as polled tasks
   * (video APIs), 16 where each job holds a call open (README "Upstream channels").
   */
  concurrency: z.number().int().positive().optional(),
  /** Most submissions per API key of the channel per minute (`jobs.rateWindowMs`); more wait their turn. */
  rpm: z.number().int().positive().optional(),
  /** Per upstream call. Synchronous image APIs can take a minute or two. */
  timeoutMs: z.number().int().positive().default(180_000),
  /** Steady status-poll interval, replacing the protocol's default schedule. */
  pollIntervalMs: z.number().int().positive().optional(),
  /** Most status calls per second this process makes to the channel (default 1000); more polls wait their turn. */
  statusCallsPerSecond: z.number().positive().optional(),
  /** Protocol-specific settings. */
  options: z.record(z.string(), z.unknown()).default({}),
});

export type ChannelConfig = z.infer<typeof channelSchema>;

/** Resolved configuration. YAML keys use these names; environment variables override them. */
export const configSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  /** Base of every link the gateway hands out; defaults to http://localhost:$PORT. */
  publicBaseUrl: z.string().url().optional(),
  dataDir: z.string().default('./data'),
  /** Where media lives (README "Storage"): `dataDir/media` unless `url` names a bucket. */
  storage: z
    .object({
      /** `s3://bucket` or `s3://bucket/prefix`; credentials, region and endpoint come from the AWS SDK's variables. */
      url: z
        .string()
        .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'an S3 location such as s3://bucket/prefix')
        .optional(),
      /** Path-style requests (`endpoint/bucket/key`), which most S3-compatible stores other than AWS need. */
      forcePathStyle: z.boolean().default(false),
      /** `/media/…` links: `proxy` streams the bytes through the gateway; `redirect` answers 302 to a presigned URL (buckets only). */
      mediaLinks: z.enum(['proxy', 'redirect']).default('proxy'),
    })
    .prefault({}),
  databaseUrl: z.string().optional(),
  /** PostgreSQL schema to use (created when missing); lets several instances or test runs share a database. */
  databaseSchema: z.string().optional(),
  /**
   * This instance's id in logs, job leases and `GET /v1/jobs/{id}`; random per start when absent.
   * Two live instances on one database cannot share one (the second refuses to start).
   */
  instanceId: z
    .string()
    .regex(/^[A-Za-z0-9._:@-]{1,64}$/, 'letters, digits and ".", "_", ":", "@", "-" only, at most 64')
    .optional(),
  /** Keys accepted in addition to those in the database; stored hashed on start. */
  apiKeys: z.array(z.string().min(8)).default([]),
  /** Admin keys (the /admin API, /metrics, the CLI's HTTP mode), accepted in addition to those stored; stored hashed. */
  adminKeys: z.array(z.string().min(16)).default([]),
  /** Prices, the ledger's unit, and what an unpriced model does (README "Operating"). */
  billing: billingSchema,
  metrics: z
    .object({
      /**
       * Serve GET /metrics on this port, without authentication, and not on the main port (keep the
       * port private to the scraper). Unset: /metrics is on the main port and needs an admin key.
       */
      port: z.number().int().min(0).max(65535).optional(),
      /** Defaults to `host`. */
      host: z.string().optional(),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bodyLimitBytes: byteSize.default(32 * 1024 * 1024),
  /** A client must have sent its headers within this time, and its whole request within the next. */
  headersTimeoutMs: z.number().int().positive().default(15_000),
  requestTimeoutMs: z.number().int().positive().default(120_000),
  references: z
    .object({
      maxBytes: byteSize.default(20 * 1024 * 1024),
      maxPixels: byteSize.default(40_000_000),
      timeoutMs: z.number().int().positive().default(15_000),
      maxRedirects: z.number().int().min(0).max(10).default(3),
      /** Hostnames, `*.suffix` patterns or CIDRs that may be fetched even though they are private. */
      allowlist: z.array(z.string()).default([]),
    })
    .prefault({}),
  channels: z.array(channelSchema).default([]),
  sandbox: z
    .object({
      /** `auto`: the sandbox serves every model only while no upstream channel is configured. */
      mode: z.enum(['auto', 'always', 'never']).default('auto'),
      imageLatencyMs: z.number().int().min(0).default(2_000),
      videoLatencyMs: z.number().int().min(0).default(6_000),
      pollMs: z.number().int().min(10).default(500),
    })
    .prefault({}),
  jobs: z
    .object({
      /** How long an instance's claim on a running job lasts without renewal. */
      leaseMs: z.number().int().min(500).default(30_000),
      /** Least time between two progress writes of one job to the database. */
      progressWriteIntervalMs: z.number().int().min(0).default(2_000),
      /** How often to look for jobs abandoned by a dead instance. */
      orphanScanIntervalMs: z.number().int().min(100).default(10_000),
      /**
       * PostgreSQL: how often an instance looks for instances that died (their liveness lock is
       * gone) and takes their jobs over, whatever their leases say.
       */
      takeoverScanMs: z.number().int().min(100).default(1_000),
      /** A job still unfinished after this long fails with `job_timeout`. */
      timeoutMs: z
        .number()
        .int()
        .positive()
        .default(30 * 60_000),
      /** Submissions per channel when the upstream certainly did not accept the work (before failing over). */
      submitAttempts: z.number().int().min(1).max(10).default(3),
      /** First retry delay; doubles per attempt (Retry-After wins when the upstream sends one). */
      submitBackoffMs: z.number().int().min(0).default(1_000),
      /** The window a channel's `rpm` counts submissions in: a minute; tests shorten it. */
      rateWindowMs: z.number().int().min(100).default(60_000),
      /** Poll interval for every channel, replacing the protocols' schedules (tests and benchmarks). */
      pollIntervalMs: z.number().int().positive().optional(),
      /** Status calls after which a job is given up on. */
      maxStatusCalls: z.number().int().positive().default(720),
      /** Largest result downloaded from an upstream. */
      resultMaxBytes: byteSize.default(1024 * 1024 * 1024),
      /** Time allowed for downloading one result. */
      resultTimeoutMs: z
        .number()
        .int()
        .positive()
        .default(10 * 60_000),
      /**
       * How long a finished result's downloads keep being retried while they fail transiently (5xx,
       * 429, resets, truncated bodies), counted from the first failure in a row.
       */
      resultRetryMs: z
        .number()
        .int()
        .min(0)
        .default(10 * 60_000),
      /** Wait after the first failed result download; doubles per failure in a row, up to 30 s. */
      resultRetryBackoffMs: z.number().int().min(1).default(1_000),
      /**
       * A client's automatic retry (`x-stainless-retry-count` ≥ 1) of a create request joins the
       * earlier job with the same key and body while it runs (and no client waits on it here) and
       * this long after it ended: the SDKs' backoff, `Retry-After` included, stays within a minute.
       */
      retryWindowMs: z.number().int().min(0).default(60_000),
      /** An identical create request without a retry header gets an earlier job's failure this long after it ended; 0: never. */
      failureReplayMs: z.number().int().min(0).default(30_000),
    })
    .prefault({}),
  /** An SSE comment goes out when a stream has been silent this long. */
  keepAliveMs: z.number().int().min(100).default(15_000),
  /**
   * How long a stop (SIGTERM, SIGINT) may take: the first half for the answers under way, the rest
   * for the jobs' writes; then the process exits anyway.
   */
  shutdownGraceMs: z.number().int().min(100).default(10_000),
  ffmpegPath: z.string().optional(),
  /** The gateway's own content review (README "Moderation"). */
  moderation: moderationSchema,
  /** Job completion callbacks (README "Webhooks"). */
  webhooks: z
    .object({
      /** HMAC-SHA256 signing secret; when absent one is generated into `<dataDir>/webhook-secret`. */
      secret: z.string().min(16).optional(),
      /** Receives events of every key that has no default of its own and jobs that name no `webhook_url`. */
      defaultUrl: z.string().url().optional(),
      /** Time allowed for one delivery attempt. */
      timeoutMs: z.number().int().positive().default(10_000),
      /** Attempts before a delivery is given up. */
      maxAttempts: z.number().int().min(1).max(50).default(8),
      /** Wait after the first failed attempt; doubles per attempt up to `maxBackoffMs`. */
      initialBackoffMs: z.number().int().min(0).default(10_000),
      maxBackoffMs: z
        .number()
        .int()
        .min(0)
        .default(60 * 60_000),
      /** How often due retries are looked for. */
      pollMs: z.number().int().min(10).default(1_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
