import { UpstreamError } from './errors.js';
import type { OperationRef, OperationStatus, ProviderOutput, UpstreamUsage } from './types.js';

/**
 * A synchronous upstream finishes inside `start`. Its operation is then the finished outputs
 * themselves (storage keys or short-lived URLs, never inline media), so the first status call
 * succeeds without another request upstream — and a resumed job finds them too.
 */
export function completedOperation(outputs: ProviderOutput[], usage?: UpstreamUsage): OperationRef {
  const operation: OperationRef = { completed: true, outputs: outputs as never };
  if (usage) operation.usage = usage as never;
  return operation;
}

/** The outputs of a completed operation, or undefined when `operation` is still a running task. */
export function completedStatus(operation: OperationRef): OperationStatus | undefined {
  if (operation.completed !== true) return undefined;
  const usage = operation.usage as unknown as UpstreamUsage | undefined;
  return { state: 'succeeded', outputs: operation.outputs as unknown as ProviderOutput[], ...(usage && { usage }) };
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
