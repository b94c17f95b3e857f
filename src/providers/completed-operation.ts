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
