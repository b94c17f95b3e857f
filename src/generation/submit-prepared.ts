import type { JobRecord, NewJob } from '../jobs/types.js';
import type { NormalisedError } from '../providers/types.js';
import type { PreparedGeneration } from './prepare-generation.js';

/** What an endpoint adds to a job beyond the prepared request: idempotency, webhook, remix origin, a request with extras. */
export type JobExtras = Partial<
  Pick<
    NewJob,
    | 'request'
    | 'originalRequest'
    | 'idempotencyKey'
    | 'idempotencyFingerprint'
    | 'requestFingerprint'
    | 'webhookUrl'
    | 'remixedFrom'
    | 'billing'
  >
>;

/** The part of the job engine the pipeline hands a job to; the engine never calls back. */
export interface JobEngine {
  submit(newJob: NewJob, rejection?: NormalisedError): Promise<JobRecord>;
  /** Whether a client of this process is following the job now (its stream or its awaited answer). */
  isFollowed(jobId: string): boolean;
}

export interface JobCreationDeps {
  engine: JobEngine;
  newJobId(): string;
}

/** Records the prepared generation as a job of this API key and starts it (or records its rejection). */
export function submitPrepared(
  deps: JobCreationDeps,
  apiKeyId: string,
  prepared: PreparedGeneration,
  extras: JobExtras = {},
): Promise<JobRecord> {
  return deps.engine.submit(
    {
      id: deps.newJobId(),
      apiKeyId,
      model: prepared.spec.id,
      kind: prepared.spec.kind,
      request: prepared.request,
      channel: prepared.route.channel.name,
      createdAt: Date.now(),
      ...extras,
    },
    prepared.rejection,
  );
}
