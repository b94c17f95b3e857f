import type { OptionalField } from '../../intent/adjustments.js';
import type { GenerationRequest } from '../../intent/types.js';
import { pending } from '../completed-operation.js';
import { readOperation } from '../operation.js';
import { statusAnswer } from '../upstream-answer.js';
import { keyHeaderNamed } from '../key-headers.js';
import { pollKnownTask } from '../known-task.js';
import { defaultPollIntervalMs } from '../polling.js';
import { readFirstReference } from '../reference-data.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext, StartResult } from '../types.js';
import { v1Path } from '../v1-path.js';
import { adaptToBfl } from './adapt.js';
import { describeBflError } from './errors.js';
import { readBflOptions, type BflOptions } from './options.js';
import { pollTarget } from './polling-url.js';
import { submitBody } from './request.js';
import {
  bflOperationSchema,
  bflResultSchema,
  readResult,
  readSubmitAnswer,
  taskNotFound,
  type BflOperation,
} from './response.js';

/**
 * Black Forest Labs: `POST /v1/<model>` answers `{id, polling_url}`; the task is polled until
 * `Ready`, whose `result.sample` is a signed link valid for ten minutes (the engine downloads it
 * at once). Moderation and lost tasks are terminal states of the poll, never a timeout.
 */
export class BflProvider implements Provider {
  readonly protocol = 'bfl';
  readonly label = 'Black Forest Labs';
  readonly idempotentStart = false;
  readonly describeError = describeBflError;
  private readonly options: BflOptions;

  constructor(options: Readonly<Record<string, unknown>>) {
    this.options = readBflOptions(options);
  }

  readonly authHeaders = keyHeaderNamed('x-key');

  /** FLUX takes a seed, and nothing for quality, resolution (the size says it), background or mask. */
  reads(): readonly OptionalField[] {
    return ['seed'];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToBfl(req, upstreamModel);
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const model = ctx.upstreamModel;
    const reference = await readFirstReference(ctx, req.references);
    const reply = await ctx.http.json<unknown>({
      // The model is the path.
      path: v1Path(ctx.http.baseUrl, model),
      json: submitBody(req, model, this.options, reference?.data),
      signal: ctx.signal,
    });
    const task = readSubmitAnswer(reply.body);
    const operation: BflOperation = {
      ...task,
      model,
      format: req.format === 'mp4' ? 'png' : req.format,
      width: req.width,
      height: req.height,
      withReference: reference !== undefined,
    };
    return pending(operation);
  }

  async status(operation: OperationRef, _req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const op = readOperation(bflOperationSchema, operation, this.label);
    // Some deployments answer an unknown id with HTTP 404 instead of the `Task not found` status.
    return pollKnownTask(
      async () => {
        const reply = await ctx.http.json<unknown>({ path: pollTarget(ctx.http.baseUrl, op), signal: ctx.signal });
        return readResult(statusAnswer(bflResultSchema, reply.body, this.label), op);
      },
      () => taskNotFound(op.id),
    );
  }

  pollIntervalMs(attempt: number): number {
    return defaultPollIntervalMs(attempt);
  }
}
