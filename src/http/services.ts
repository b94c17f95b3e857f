import type { ModelSpec } from '../catalog/types.js';
import type { JobRunner } from '../jobs/runner.js';
import type { JobRecord } from '../jobs/types.js';
import type { SseKeepAlive } from './sse.js';
import type { GenerationInput, PreparedGeneration } from './prepare-generation.js';

/** What the routes need from the rest of the gateway; built once in `buildApp`. */
export interface GatewayServices {
  runner: JobRunner;
  keepAlive: SseKeepAlive;
  /** Public URL of a stored object. */
  mediaUrl(key: string): string;
  newJobId(): string;
  findJob(id: string): Promise<JobRecord | null>;
  /** Catalog models that some configured channel serves. */
  servedModels(): ModelSpec[];
  /** request → intent → moderation (stages 1–2) for any create endpoint. */
  prepareGeneration(input: GenerationInput): Promise<PreparedGeneration>;
}
