import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { configSchema } from '../../src/config/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import type { GenerationRequest } from '../../src/intent/types.js';
import { channelLimits } from '../../src/jobs/channel-limits.js';
import { JobEvents, type JobEvent } from '../../src/jobs/events.js';
import { SqlJobStore } from '../../src/jobs/job-store.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobRecord, NewJob } from '../../src/jobs/types.js';
import { allowEverything, type Moderator } from '../../src/moderation/types.js';
import { Channel, type ChannelSettings } from '../../src/providers/channel.js';
import { ChannelRegistry } from '../../src/providers/registry.js';
import type { Provider } from '../../src/providers/types.js';
import { LocalMediaStore } from '../../src/storage/index.js';
import { testDatabaseOptions } from '../helpers/database.js';

export type Settings = ReturnType<typeof configSchema.parse>['jobs'];

/** Fast engine timings: polls, backoffs and scans in milliseconds rather than seconds. */
export const FAST_JOBS: Partial<Settings> = {
  leaseMs: 600,
  orphanScanIntervalMs: 100,
  pollIntervalMs: 15,
  submitBackoffMs: 1,
  progressWriteIntervalMs: 20,
  resultRetryBackoffMs: 10,
};

export interface LogEntry {
  level: string;
  msg: string;
  details: Record<string, unknown>;
}

/** A logger that keeps what it is told, for assertions on what the engine decided. */
export function recordingLogger(entries: LogEntry[] = []): FastifyBaseLogger & { entries: LogEntry[] } {
  const at = (level: string) => (details: unknown, msg?: string) => {
    entries.push({
      level,
      msg: msg ?? String(details),
      details: typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
    });
  };
  const log = {
    level: 'info',
    entries,
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    silent() {},
  } as Record<string, unknown>;
  log.child = () => log;
  return log as unknown as FastifyBaseLogger & { entries: LogEntry[] };
}

export function videoRequest(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    model: 'test-video',
    kind: 'video',
    prompt: 'a paper boat',
    references: [],
    aspectRatio: '16:9',
    width: 1280,
    height: 720,
    seconds: 8,
    n: 1,
    format: 'mp4',
    language: 'en',
    adjustments: [],
    ...overrides,
  };
}

export function channelSettings(name: string, overrides: Partial<ChannelSettings> = {}): ChannelSettings {
  return {
    name,
    type: 'fake',
    baseUrl: 'http://upstream.invalid',
    keys: [`sk-${name}-key`],
    models: new Map([['test-video', `${name}-model`]]),
    priority: 0,
    weight: 1,
    concurrency: 4,
    timeoutMs: 5_000,
    ...overrides,
  };
}

/**
 * The job engine without HTTP: the real JobStore on a temporary database (SQLite, or PostgreSQL
 * when MEDIAGATE_TEST_DATABASE_URL is set), real local media storage, in-memory providers, and as
 * many runner instances as a test needs on the same database (a restart, a second instance).
 */
export class EngineHarness {
  readonly events = new JobEvents();
  readonly log = recordingLogger();
  readonly runners: JobRunner[] = [];
  store!: SqlJobStore;
  media!: LocalMediaStore;
  registry!: ChannelRegistry;
  private database!: Database;
  private dir = '';
  private counter = 0;

  static async open(channels: Channel[]): Promise<EngineHarness> {
    const harness = new EngineHarness();
    harness.dir = await mkdtemp(join(tmpdir(), 'mediagate-engine-'));
    const options = await testDatabaseOptions(harness.dir);
    harness.database = await openDatabase({ url: options.url, dataDir: options.dataDir, schema: options.schema });
    harness.store = new SqlJobStore(harness.database.db);
    harness.media = new LocalMediaStore(join(harness.dir, 'media'));
    harness.registry = new ChannelRegistry(channels, () => 0);
    return harness;
  }

  /** A runner instance, not yet started. */
  runner(instanceId: string, settings: Partial<Settings> = {}, moderator: Moderator = allowEverything): JobRunner {
    const runner = new JobRunner({
      store: this.store,
      channels: this.registry,
      media: this.media,
      events: this.events,
      instanceId,
      settings: { ...configSchema.parse({}).jobs, ...FAST_JOBS, ...settings },
      log: this.log,
      moderator,
      limits: channelLimits(this.database, { instanceId, rateWindowMs: 60_000 }),
    });
    this.runners.push(runner);
    return runner;
  }

  newJob(overrides: Partial<NewJob> = {}): NewJob {
    return {
      id: `job_engine_${Date.now()}_${this.counter++}`,
      apiKeyId: 'key_test',
      model: 'test-video',
      kind: 'video',
      request: videoRequest(),
      channel: this.registry.channels[0]?.name ?? null,
      createdAt: Date.now(),
      ...overrides,
    };
  }

  /** Resolves with the job's row once it is terminal (or fails the test after `ms`). */
  async terminal(jobId: string, ms = 10_000): Promise<JobRecord> {
    const until = Date.now() + ms;
    for (;;) {
      const job = await this.store.get(jobId);
      if (job && ['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
      if (Date.now() > until) throw new Error(`job ${jobId} still ${job?.status} after ${ms} ms`);
      await sleep(10);
    }
  }

  /** Events published for one job, from now on. */
  recordEvents(jobId: string): JobEvent[] {
    const seen: JobEvent[] = [];
    this.events.subscribe(jobId, (event) => seen.push(event));
    return seen;
  }

  /** Rewrites a job's lease as another instance would have taken it. */
  async giveLeaseTo(jobId: string, owner: string, expiresAt: number): Promise<void> {
    await this.database.db
      .updateTable('jobs')
      .set({ lease_owner: owner, lease_expires_at: expiresAt })
      .where('id', '=', jobId)
      .execute();
  }

  async close(): Promise<void> {
    for (const runner of this.runners) await runner.stop();
    await this.database.close();
    await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (or fails the test after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(5);
  }
}

export { Channel };
export type { Provider };
