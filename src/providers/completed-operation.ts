import { UpstreamError } from './errors.js';
import type { OperationRef, OperationStatus, ProviderOutput } from './types.js';

/**
 * A synchronous upstream finishes inside `start`. Its operation is then the finished outputs
 * themselves (storage keys or short-lived URLs, never inline media), so the first status call
 * succeeds without another request upstream — and a resumed job finds them too.
 */
export function completedOperation(outputs: ProviderOutput[]): OperationRef {
  return { completed: true, outputs: outputs as never };
}

/** The outputs of a completed operation, or undefined when `operation` is still a running task. */
export function completedStatus(operation: OperationRef): OperationStatus | undefined {
  if (operation.completed !== true) return undefined;
  return { state: 'succeeded', outputs: operation.outputs as unknown as ProviderOutput[] };
}

/**
 * `status` of an upstream that always finishes inside `start`: its operation can only be a completed
 * one, so anything else is the gateway's fault, named after `job` (e.g. "A Recraft job").
 */
export function storedResultStatus(operation: OperationRef, job: string): OperationStatus {
  const done = completedStatus(operation);
  if (!done) throw new UpstreamError('rejected', { code: 'internal_error', message: `${job} has no stored result.` });
  return done;
}
