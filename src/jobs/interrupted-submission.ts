import type { Route } from '../providers/registry.js';
import type { NormalisedError } from '../providers/types.js';
import type { JobRecord } from './types.js';

/**
 * A resumed job whose previous owner died between calling the upstream and recording its answer
 * (`submittedAt` set, no operation): the task may exist upstream, and submitting again could run
 * (and bill) it twice. Returns the failure to end it with, or undefined when it may be submitted.
 */
export function interruptedSubmission(job: JobRecord, route: Route | undefined): NormalisedError | undefined {
  if (job.operation || job.submittedAt === null) return undefined;
  if (route?.channel.provider.idempotentStart) return undefined;
  return {
    code: 'interrupted_submission',
    message:
      'The gateway restarted while submitting this job, so it was not resubmitted to avoid a duplicate charge. Please retry.',
  };
}
