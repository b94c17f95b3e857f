import { z } from 'zod';
import { UpstreamError } from './errors.js';
import { readOperation } from './operation.js';
import type {
  OperationRef,
  OperationStatus,
  Provider,
  ProviderContext,
  ProviderOutput,
  StartResult,
  UpstreamUsage,
} from './types.js';
import type { GenerationRequest } from '../intent/types.js';

/** `start`'s answer for a synchronous upstream: the work is done and these are its outputs. */
export const completed = (outputs: ProviderOutput[], usage?: UpstreamUsage): StartResult => ({
  type: 'completed',
  outputs,
  ...(usage && { usage }),
});

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

const tokenDetails = z.object({ text_tokens: z.number(), image_tokens: z.number() });

/** A completed start as stored: outputs already in storage or behind a short-lived link. */
const completedSchema = z.object({
  completed: z.literal(true),
  outputs: z.array(
    z.object({
      kind: z.enum(['image', 'video']),
      contentType: z.string(),
      source: z.discriminatedUnion('type', [
        z.object({ type: z.literal('stored'), key: z.string(), bytes: z.number().optional() }),
        z.object({ type: z.literal('url'), url: z.string(), headers: z.record(z.string(), z.string()).optional() }),
        z.object({ type: z.literal('file'), path: z.string() }),
        z.object({ type: z.literal('bytes'), data: z.instanceof(Buffer) }),
      ]),
      width: z.number().optional(),
      height: z.number().optional(),
      seconds: z.number().optional(),
    }),
  ),
  usage: z
    .object({
      input_tokens: z.number(),
      output_tokens: z.number(),
      total_tokens: z.number(),
      input_tokens_details: tokenDetails.optional(),
      output_tokens_details: tokenDetails.optional(),
    })
    .optional(),
});

/** The outputs of a stored completed start, or undefined when `operation` is a running task. */
export function completedStatus(operation: OperationRef): OperationStatus | undefined {
  if (operation.completed !== true) return undefined;
  const { outputs, usage } = readOperation(completedSchema, operation, 'finished');
  return { state: 'succeeded', outputs, ...(usage && { usage }) };
}

/**
 * Where a stored operation stands: a completed start answers from what was stored; a task is asked
 * of the upstream. A task on a provider that only finishes inside `start` is the gateway's fault.
 */
export async function operationStatus(
  provider: Provider,
  operation: OperationRef,
  request: GenerationRequest,
  ctx: ProviderContext,
): Promise<OperationStatus> {
  const done = completedStatus(operation);
  if (done) return done;
  if (!provider.status) {
    throw new UpstreamError('rejected', {
      code: 'internal_error',
      message: `A ${provider.label} job has no stored result.`,
    });
  }
  return provider.status(operation, request, ctx);
}
