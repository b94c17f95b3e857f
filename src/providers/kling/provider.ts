import type { OptionalField } from '../../intent/adjustments.js';
import type { GenerationRequest } from '../../intent/types.js';
import { pending } from '../completed-operation.js';
import { readOperation } from '../operation.js';
import { statusAnswer, submissionAnswer } from '../upstream-answer.js';
import { UpstreamError, upstreamPolicyBlock } from '../errors.js';
import { pollKnownTask } from '../known-task.js';
import { defaultPollIntervalMs } from '../polling.js';
import { readFirstReference } from '../reference-data.js';
import type {
  OperationRef,
  OperationStatus,
  Provider,
  ProviderContext,
  StartResult,
  SubmissionHint,
} from '../types.js';
import { v1Path } from '../v1-path.js';
import { adaptToKling } from './adapt.js';
import { KlingCredentials } from './jwt.js';
import { describeKlingError, POLICY_CODE } from './errors.js';
import { readKlingOptions, type KlingOptions } from './options.js';
import { createCall } from './request.js';
import {
  klingEnvelopeSchema,
  klingOperationSchema,
  readCreateAnswer,
  readFoundTask,
  readTask,
  taskNotFound,
  type KlingOperation,
} from './response.js';

/**
 * Kling: text2video / image2video tasks authenticated by a short-lived JWT, polled on the path that
 * created them until `succeed` (a public video link) or `failed` (with `task_status_msg`).
 */
export class KlingProvider implements Provider {
  readonly protocol = 'kling';
  readonly label = 'Kling';
  readonly idempotentStart = false;
  readonly describeError = describeKlingError;
  private readonly options: KlingOptions;

  constructor(options: Readonly<Record<string, unknown>>) {
    this.options = readKlingOptions(options);
  }

  /**
   * The JWT lives 30 minutes while a job may poll longer, so the header is a getter: the HTTP client
   * copies its headers on every call, which re-reads it and re-signs once the token is 20 minutes old.
   */
  authHeaders(apiKey: string): Record<string, string> {
    if (!apiKey) return {};
    const credentials = new KlingCredentials(apiKey);
    return Object.defineProperty({}, 'authorization', {
      enumerable: true,
      get: () => `Bearer ${credentials.bearer()}`,
    });
  }

  /** Kling has no seed field; its quality is the channel's `mode`. */
  reads(): readonly OptionalField[] {
    return [];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToKling(req, upstreamModel);
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const reference = await readFirstReference(ctx, req.references);
    const call = createCall(req, ctx.upstreamModel, this.options, reference?.data, ctx.clientReference);
    let reply;
    try {
      reply = await ctx.http.json<unknown>({
        path: v1Path(ctx.http.baseUrl, `videos/${call.endpoint}`),
        json: call.body,
        signal: ctx.signal,
      });
    } catch (err) {
      // Kling does not say whether the prompt or the image broke its content policy; with a
      // reference the image is named, as for BFL.
      if (reference && err instanceof UpstreamError && err.details.upstreamCode === String(POLICY_CODE)) {
        throw upstreamPolicyBlock(
          'input_image',
          'upstream_moderation',
          err.normalised.message,
          err.details.upstreamCode,
        );
      }
      throw err;
    }
    // A 2xx that is not an envelope may still be a task Kling is running (and billing): ambiguous.
    const created = submissionAnswer(
      klingEnvelopeSchema,
      reply.body,
      'Kling accepted the request but returned no task id.',
    );
    const operation: KlingOperation = {
      id: readCreateAnswer(created),
      endpoint: call.endpoint,
      seconds: Number(call.body.duration),
      withReference: reference !== undefined,
    };
    return pending(operation);
  }

  /**
   * Asks for the task by the `external_task_id` `start` sent, on the path it was created on (Kling
   * takes the external id in place of the task id). 404: Kling has no such task on this account.
   */
  async findSubmitted(req: GenerationRequest, ctx: ProviderContext, hint: SubmissionHint): Promise<OperationRef[]> {
    const reference = await readFirstReference(ctx, req.references);
    const call = createCall(req, ctx.upstreamModel, this.options, reference?.data, hint.clientReference);
    let reply;
    try {
      reply = await ctx.http.json<unknown>({
        path: v1Path(ctx.http.baseUrl, `videos/${call.endpoint}/${encodeURIComponent(hint.clientReference)}`),
        signal: ctx.signal,
      });
    } catch (err) {
      if (err instanceof UpstreamError && err.details.status === 404) return [];
      throw err;
    }
    // Built exactly as `start` builds it, so the engine can tell a task another job holds.
    const found = statusAnswer(klingEnvelopeSchema, reply.body, this.label);
    const operation: KlingOperation = {
      id: readFoundTask(found, hint.clientReference),
      endpoint: call.endpoint,
      seconds: Number(call.body.duration),
      withReference: reference !== undefined,
    };
    return [operation];
  }

  async status(operation: OperationRef, _req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const op = readOperation(klingOperationSchema, operation, this.label);
    return pollKnownTask(
      async () => {
        const reply = await ctx.http.json<unknown>({
          path: v1Path(ctx.http.baseUrl, `videos/${op.endpoint}/${encodeURIComponent(op.id)}`),
          signal: ctx.signal,
        });
        return readTask(statusAnswer(klingEnvelopeSchema, reply.body, this.label), op);
      },
      () => taskNotFound(op.id),
    );
  }

  pollIntervalMs(attempt: number): number {
    return defaultPollIntervalMs(attempt);
  }
}
