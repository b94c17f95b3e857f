import type { ModelSpec } from '../catalog/types.js';
import type { GenerationPipeline } from '../generation/pipeline.js';
import type { JobRunner } from '../jobs/runner.js';
import type { JobRecord, JobStore } from '../jobs/types.js';
import type { MediaStore } from '../storage/types.js';
import type { ShutdownSignal } from './shutdown-signal.js';
import type { SseKeepAlive } from './sse.js';

/** What the routes need from the rest of the gateway; built once in `buildApp`. */
export interface GatewayServices {
  runner: JobRunner;
  keepAlive: SseKeepAlive;
  /** Raised when the gateway starts stopping: requests waiting for a job answer with its id. */
  shutdown: ShutdownSignal;
  /** Public URL of a stored object. */
  mediaUrl(key: string): string;
  /** Absolute URL of `GET /v1/jobs/{id}/events`: where a client whose stream ended follows its job. */
  jobEventsUrl(jobId: string): string;
  findJob(id: string): Promise<JobRecord | null>;
  /** Catalog models that some configured channel serves. */
  servedModels(): ModelSpec[];
  /** Every create endpoint's one call: the request becomes a job (once per Idempotency-Key). */
  generation: GenerationPipeline;
  /** Stored results and references (b64_json responses, video downloads). */
  media: MediaStore;
  /** Job rows beyond `findJob`: listing, idempotency lookups, deletion. */
  jobs: JobStore;
}
