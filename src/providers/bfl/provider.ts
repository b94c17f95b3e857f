import type { GenerationRequest } from '../../intent/types.js';
import { UpstreamError } from '../errors.js';
import { defaultPollIntervalMs } from '../polling.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext } from '../types.js';
import { adaptToBfl } from './adapt.js';
import { describeBflError } from './errors.js';
import { readBflOptions, type BflOptions } from './options.js';
import { pollTarget } from './polling-url.js';
import { apiPath, submitBody } from './request.js';
import { readResult, readSubmitAnswer, taskNotFound, type BflOperation, type BflResult, type BflSubmitAnswer } from './response.js';

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

  authHeaders(apiKey: string): Record<string, string> {
    return apiKey ? { 'x-key': apiKey } : {};
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToBfl(req, upstreamModel);
  }

  async start(request: GenerationRequest, ctx: ProviderContext): Promise<OperationRef> {
    const model = ctx.upstreamModel;
    const req = adaptToBfl(request, model);
    const first = req.references[0];
    const reference = first ? await ctx.readReference(first.key) : undefined;
    const reply = await ctx.http.json<BflSubmitAnswer | null>({
      path: apiPath(ctx.http.baseUrl, model),
      json: submitBody(req, model, this.options, reference),
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
    return operation;
  }

  async status(operation: OperationRef, _req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const op = operation as BflOperation;
    try {
      const reply = await ctx.http.json<BflResult | null>({ path: pollTarget(ctx.http.baseUrl, op), signal: ctx.signal });
      return readResult(reply.body, op);
    } catch (err) {
      // Some deployments answer an unknown id with HTTP 404 instead of the `Task not found` status.
      if (err instanceof UpstreamError && err.details.status === 404) return { state: 'failed', error: taskNotFound(op.id) };
      throw err;
    }
  }

  pollIntervalMs(attempt: number): number {
    return defaultPollIntervalMs(attempt);
  }
}
