import type { Kysely } from 'kysely';
import type { BillingConfig } from '../../billing/config-billing.js';
import type { DatabaseSchema } from '../../db/schema.js';
import type { GenerationPipeline } from '../../generation/pipeline.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { JobRecord, JobSearch } from '../../jobs/types.js';
import type { ChannelRegistry } from '../../providers/registry.js';
import type { ShutdownSignal } from '../shutdown-signal.js';

/** What the operator's read views (usage, jobs, channels) and the channel test need. */
export interface AdminViewDeps {
  db: Kysely<DatabaseSchema>;
  billing: Pick<BillingConfig, 'creditsPerUnit' | 'currency'>;
  jobs: { search(query: JobSearch): Promise<JobRecord[]>; get(id: string): Promise<JobRecord | null> };
  mediaUrl(key: string): string;
  channels: ChannelRegistry;
  generation: Pick<GenerationPipeline, 'create'>;
  runner: Pick<JobRunner, 'waitFor'>;
  /** A channel test waiting for its job answers when the gateway starts stopping. */
  shutdown: Pick<ShutdownSignal, 'signal' | 'stopping'>;
}
