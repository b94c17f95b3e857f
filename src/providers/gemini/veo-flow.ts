import type { GenerationRequest } from '../../intent/types.js';
import { pending } from '../completed-operation.js';
import { UpstreamError } from '../errors.js';
import { readReferences } from '../reference-data.js';
import { statusAnswer, submissionAnswer } from '../upstream-answer.js';
import type { OperationStatus, ProviderContext, StartResult } from '../types.js';
import type { GeminiOptions } from './options.js';
import { modelPath } from './request-parts.js';
import {
  readVeoOperation,
  veoCreatedSchema,
  veoPollSchema,
  type VeoOperation,
  type VeoOperationRef,
} from './veo-operation.js';
import { predictLongRunningBody } from './veo-request.js';

/** Submits a Veo job; the operation name is all that is needed to follow it, and it is persisted at once. */
export async function startVeo(
  req: GenerationRequest,
  ctx: ProviderContext,
  options: GeminiOptions,
): Promise<StartResult> {
  const model = ctx.upstreamModel;
  const references = await readReferences(ctx, req.references);
  const reply = await ctx.http.json<unknown>({
    path: `${modelPath(model)}:predictLongRunning`,
    json: predictLongRunningBody(req, model, references, options),
    signal: ctx.signal,
  });
  // A 2xx without an operation name may still have started (and will bill) a video: never resubmit.
  const { name } = submissionAnswer(
    veoCreatedSchema,
    reply.body,
    'Google Veo accepted the request but returned no operation name.',
  );
  const ref: VeoOperationRef = {
    flow: 'veo',
    operation: name,
    submittedAt: Date.now(),
    seconds: req.seconds ?? 8,
    width: req.width,
    height: req.height,
  };
  return pending(ref);
}

/** One poll: `GET {operation name}`. A 404 means Google no longer knows the operation, which is final. */
export async function pollVeo(
  ref: VeoOperationRef,
  ctx: ProviderContext,
  options: GeminiOptions,
): Promise<OperationStatus> {
  let operation: VeoOperation;
  try {
    const reply = await ctx.http.json<unknown>({ path: ref.operation, signal: ctx.signal });
    operation = statusAnswer(veoPollSchema, reply.body, 'Google Veo');
  } catch (err) {
    if (err instanceof UpstreamError && err.details.status === 404) {
      throw new UpstreamError(
        'rejected',
        {
          code: 'upstream_task_not_found',
          message: `Google Veo no longer knows operation ${ref.operation.split('/').pop()}; it may have expired. Please retry.`,
        },
        err.details,
      );
    }
    throw err;
  }
  return readVeoOperation(operation, ref, ctx, options.veoExpectedSeconds);
}
