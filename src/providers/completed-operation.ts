import { UpstreamError } from './errors.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext, ProviderOutput, StartResult, UpstreamUsage } from './types.js';
import type { GenerationRequest } from '../intent/types.js';

/** `start`'s answer for a synchronous upstream: the work is done and these are its outputs. */
export const completed = (outputs: ProviderOutput[], usage?: UpstreamUsage): StartResult => ({ type: 'completed', outputs, ...(usage && { usage }) });

/** `start`'s answer for an asynchronous upstream: a task was accepted and `operation` follows it. */
export const pending = (operation: OperationRef): StartResult => ({ type: 'pending', operation });

/**
 * What the job engine persists for a start result. A completed start is stored as its outputs
 * (storage keys or short-lived URLs, never inline media), so a job resumed after a restart collects
 * them without calling the upstream again. Jobs stored by earlier versions have the same shape.
 */
export function storedOperation(result: StartResult): OperationRef {
  if (result.type === 'pending') return result.operation;
  const operation: OperationRef = { completed: true, outputs: result.outputs as never };
  if (result.usage) operation.usage = result.usage as never;
  return operation;
}

/** The outputs of a stored completed start, or undefined when `operation` is a running task. */
export function completedStatus(operation: OperationRef): OperationStatus | undefined {
  if (operation.completed !== true) return undefined;
  const usage = operation.usage as unknown as UpstreamUsage | undefined;
  return { state: 'succeeded', outputs: operation.outputs as unknown as ProviderOutput[], ...(usage && { usage }) };
}

/**
 * Where a stored operation stands: a completed start answers from what was stored; a task is asked
 * of the upstream. A task on a provider that only finishes inside `start` is the gateway's fault.
 */
export async function operationStatus(provider: Provider, operation: OperationRef, request: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
  const done = completedStatus(operation);
  if (done) return done;
  if (!provider.status) {
    throw new UpstreamError('rejected', { code: 'internal_error', message: `A ${provider.label} job has no stored result.` });
  }
  return provider.status(operation, request, ctx);
}
