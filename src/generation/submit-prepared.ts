import type { JobRecord, NewJob } from '../jobs/types.js';
import type { PreparedGeneration } from './prepare-generation.js';
import type { GatewayServices } from '../http/services.js';

/** What an endpoint adds to a job beyond the prepared request: idempotency, webhook, remix origin, a request with extras. */
export type JobExtras = Partial<Pick<NewJob, 'request' | 'idempotencyKey' | 'idempotencyFingerprint' | 'webhookUrl' | 'remixedFrom'>>;

/** Records the prepared generation as a job of this API key and starts it (or records its rejection). */
export function submitPrepared(services: GatewayServices, apiKeyId: string, prepared: PreparedGeneration, extras: JobExtras = {}): Promise<JobRecord> {
  return services.runner.submit(
    {
      id: services.newJobId(),
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
