import type { FastifyRequest } from 'fastify';
import type { ModelSpec } from '../catalog/types.js';
import type { ReferenceInput } from '../intent/references.js';
import type { StoredReference } from '../intent/types.js';
import type { CreatedJob, IdempotencyTag } from '../jobs/idempotency.js';
import type { JobRunner } from '../jobs/runner.js';
import type { JobRecord, JobStore } from '../jobs/types.js';
import type { MediaStore } from '../storage/types.js';
import type { SseKeepAlive } from './sse.js';
import type { GenerationInput, PreparedGeneration } from '../generation/prepare-generation.js';

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
  /** Stored results and references (b64_json responses, video downloads). */
  media: MediaStore;
  /** Job rows beyond `findJob`: listing, idempotency lookups, deletion. */
  jobs: JobStore;
  /**
   * Runs `create` unless the request's Idempotency-Key (scoped to its API key) already created a
   * job; `fingerprint` identifies the endpoint and body (see jobs/idempotency.ts).
   */
  createJobOnce(request: FastifyRequest, fingerprint: string, create: (tag: IdempotencyTag | undefined) => Promise<JobRecord>): Promise<CreatedJob>;
  /** Fetches or decodes one image with the reference limits and stores it (edit masks). */
  storeReference(input: ReferenceInput): Promise<StoredReference>;
}
