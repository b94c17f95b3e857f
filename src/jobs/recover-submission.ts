import type { FastifyBaseLogger } from 'fastify';
import { UpstreamError } from '../providers/errors.js';
import type { NormalisedError, OperationRef, Provider, ProviderContext } from '../providers/types.js';
import { abortableSleep } from './sleep.js';
import type { JobRecord, JobStore } from './types.js';

/**
 * Waits between lookups that could not tell, in units of the submit backoff (1 s by default):
 * 1+2+4+8+16+32 s, about a minute in all. An upstream that cannot answer a list or a query for a
 * minute will not answer the job's deadline either.
 */
const LOOKUP_WAITS = [1, 2, 4, 8, 16, 32];

/** How far back jobs are checked for holding a found task: upstream tasks live a day or two. */
const HELD_WINDOW_MS = 2 * 24 * 3_600_000;

export type RecoveryOutcome =
  /** The upstream has the task and it is now persisted: poll on. */
  | { found: true; operation: OperationRef }
  /** Not found, or nobody could tell; `note` says which, for the job's failure message (empty when the provider cannot look). */
  | { found: false; note: string }
  /** Aborted (cancel, shutdown): leave the job as it is. */
  | undefined;

export interface RecoveryInput {
  job: JobRecord;
  /** The request as submitted (fitted to the channel). */
  request: JobRecord['request'];
  provider: Provider;
  /** The channel the submission went to (tasks are compared with other jobs' on it). */
  channel: string;
  ctx: ProviderContext;
  /** When the lost submission was sent. */
  submittedAt: number;
  signal: AbortSignal;
  /** Unit of the waits between lookups (the submit backoff). */
  backoffMs: number;
  /** The job's deadline (unix ms): no lookup starts after it. */
  deadline: number;
  /**
   * Before this moment (unix ms) a lookup that finds nothing cannot rule the task out: the request
   * may still be reaching the upstream (a dead instance's submission), so the lookup is repeated.
   */
  conclusiveFrom?: number;
  log: FastifyBaseLogger;
  /** A found task is persisted here, exactly as a normal submission's answer. */
  store: Pick<JobStore, 'saveOperation' | 'isOperationHeld'>;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * After a submission whose answer was lost, asks the provider for the tasks that submission may
 * have created (Provider.findSubmitted). A task another job already holds is not this one; of the
 * rest, exactly one is adopted, persisted like a normal submission's answer. Never submits: the
 * worst outcome is the failure the job would have had without looking. Lookups that could not
 * tell are repeated a few times over about a minute.
 */
export async function recoverSubmission(input: RecoveryInput): Promise<RecoveryOutcome> {
  const { job, provider, ctx, signal, log, store } = input;
  // An adapter that cannot look (a synchronous upstream, no list or reference in its protocol)
  // fails the job exactly as before.
  if (!provider.findSubmitted) return { found: false, note: '' };
  const hint = { jobId: job.id, submittedAt: input.submittedAt, clientReference: ctx.clientReference };
  let lastProblem = '';
  for (let attempt = 0; attempt <= LOOKUP_WAITS.length; attempt++) {
    if (attempt > 0) {
      await abortableSleep(input.backoffMs * LOOKUP_WAITS[attempt - 1], signal);
      if (signal.aborted) return undefined;
      if (Date.now() > input.deadline) break;
    }
    let candidates: OperationRef[];
    try {
      candidates = await provider.findSubmitted(input.request, ctx, hint);
    } catch (err) {
      if (signal.aborted) return undefined;
      lastProblem = describe(err);
      log.warn(
        { jobId: job.id, attempt, problem: lastProblem },
        'could not look up a submission whose answer was lost',
      );
      if (err instanceof UpstreamError && err.failure === 'rejected') break;
      continue;
    }
    const ours: OperationRef[] = [];
    for (const operation of candidates) {
      if (!(await store.isOperationHeld(input.channel, operation, job.id, input.submittedAt - HELD_WINDOW_MS)))
        ours.push(operation);
    }
    if (ours.length === 0 && Date.now() < (input.conclusiveFrom ?? 0) && attempt < LOOKUP_WAITS.length) {
      lastProblem = 'the submission may still be reaching it';
      continue;
    }
    if (ours.length === 0)
      return { found: false, note: `The gateway asked ${provider.label} and it has no task from this submission.` };
    if (ours.length > 1) {
      return {
        found: false,
        note: `The gateway found ${ours.length} tasks at ${provider.label} that match this submission and could not tell which one is this job's.`,
      };
    }
    await store.saveOperation(job.id, ours[0], Date.now());
    log.info({ jobId: job.id, attempt }, 'found the task of a submission whose answer was lost');
    return { found: true, operation: ours[0] };
  }
  return {
    found: false,
    note: `The gateway could not check with ${provider.label} whether the task exists (${lastProblem}).`,
  };
}

/** The job's failure, told that the gateway looked and what it saw. */
export function withRecoveryNote(error: NormalisedError, note: string): NormalisedError {
  if (!note) return error;
  const message = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  return { ...error, message: `${message} ${note}` };
}
