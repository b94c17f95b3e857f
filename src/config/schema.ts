import { z } from 'zod';

const byteSize = z.number().int().positive();

/** Resolved configuration. YAML keys use these names; environment variables override them. */
export const configSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  /** Base of every link the gateway hands out; defaults to http://localhost:$PORT. */
  publicBaseUrl: z.string().url().optional(),
  dataDir: z.string().default('./data'),
  databaseUrl: z.string().optional(),
  /** PostgreSQL schema to use (created when missing); lets several instances or test runs share a database. */
  databaseSchema: z.string().optional(),
  /** Keys accepted in addition to those in the database; stored hashed on start. */
  apiKeys: z.array(z.string().min(8)).default([]),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bodyLimitBytes: byteSize.default(32 * 1024 * 1024),
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
  sandbox: z
    .object({
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
      /** A job still unfinished after this long fails with `job_timeout`. */
      timeoutMs: z.number().int().positive().default(30 * 60_000),
    })
    .prefault({}),
  /** An SSE comment goes out when a stream has been silent this long. */
  keepAliveMs: z.number().int().min(100).default(15_000),
  ffmpegPath: z.string().optional(),
});

export type Config = z.infer<typeof configSchema>;
