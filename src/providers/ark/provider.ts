import type { OptionalField } from '../../intent/adjustments.js';
import { badRequest } from '../../errors/generation-error.js';
import type { GenerationRequest } from '../../intent/types.js';
import { completed, completedStatus, pending } from '../completed-operation.js';
import { readOperation } from '../operation.js';
import { statusAnswer, submissionAnswer } from '../upstream-answer.js';
import { UpstreamError } from '../errors.js';
import { bearerKeyHeaders } from '../key-headers.js';
import { pollKnownTask } from '../known-task.js';
import { defaultPollIntervalMs } from '../polling.js';
import { referenceDataUrl } from '../reference-data.js';
import { adjusted, snapRatio, snapSeconds } from '../snap.js';
import type { OperationRef, OperationStatus, Provider, ProviderContext, StartResult } from '../types.js';
import { ARK_LABEL, describeArkError } from './errors.js';
import { imageBody, upstreamImageCount, upstreamImageSize, validSeed } from './images-request.js';
import { readArkImages, readArkImagesAnswer } from './images-response.js';
import { imageFamilyOf, readArkOptions, type ArkOptions } from './options.js';
import { SEEDANCE_SIZES, seedanceBody, seedanceDurations, seedanceParameters } from './seedance-request.js';
import {
  readSeedanceTask,
  seedanceCreatedSchema,
  seedanceOperationSchema,
  seedanceTaskSchema,
  taskNotFound,
  typicalRunMs,
} from './seedance-task.js';

const TASKS_PATH = 'contents/generations/tasks';

/**
 * Volcengine Ark: Seedream/SeedEdit images through the synchronous `/images/generations` (the whole
 * generation happens in `start`), and Seedance videos as tasks that are polled.
 */
export class ArkProvider implements Provider {
  readonly protocol = 'ark';
  readonly label = ARK_LABEL;
  readonly idempotentStart = false;
  readonly describeError = describeArkError;
  private readonly options: ArkOptions;

  constructor(options: Readonly<Record<string, unknown>>) {
    this.options = readArkOptions(options);
  }

  readonly authHeaders = bearerKeyHeaders;

  /** Seedream and Seedance take a seed; Seedance also a resolution (480p/720p/1080p). */
  reads(req: GenerationRequest): readonly OptionalField[] {
    return req.kind === 'video' ? ['seed', 'resolution'] : ['seed'];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return req.kind === 'video' ? this.adaptVideo(req, upstreamModel) : this.adaptImage(req, upstreamModel);
  }

  private adaptVideo(req: GenerationRequest, model: string): GenerationRequest {
    let out = snapSeconds(snapRatio(req, model, SEEDANCE_SIZES), model, seedanceDurations(model));
    if (out.seed !== undefined && !validSeed(out.seed, -1, 4_294_967_295)) {
      out = adjusted({ ...out, seed: undefined }, { kind: 'seed_ignored', model, min: -1, max: 4_294_967_295 });
    }
    return out;
  }

  private adaptImage(req: GenerationRequest, model: string): GenerationRequest {
    const family = imageFamilyOf(model, this.options);
    if (family === 'seededit' && req.references.length !== 1) {
      // The catalog requires SeedEdit's one reference; a public name aliased onto it may not.
      throw badRequest(
        `${req.model} edits exactly one reference image here; ${req.references.length} were given.`,
        'messages',
        req.references.length === 0 ? 'reference_image_required' : 'too_many_reference_images',
      );
    }
    let out = req;
    if (family !== 'seededit') {
      const { width, height } = upstreamImageSize(family, req.width, req.height);
      if (width !== req.width || height !== req.height) {
        out = adjusted(
          { ...out, width, height },
          { kind: 'size_out_of_range', model, asked: `${req.width}x${req.height}`, used: `${width}x${height}` },
        );
      }
    }
    const count = upstreamImageCount(family, req.n, req.references.length);
    if (count !== req.n) {
      out = adjusted({ ...out, n: count }, { kind: 'images_capped_here', model, used: count });
    }
    if (out.seed !== undefined && !validSeed(out.seed)) {
      out = adjusted({ ...out, seed: undefined }, { kind: 'seed_ignored', model, min: -1, max: 2_147_483_647 });
    }
    return out;
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    // Ark takes references as `data:` URLs, in `image` and in Seedance's `image_url`.
    const references = await Promise.all(req.references.map((r) => referenceDataUrl(ctx, r)));
    return req.kind === 'video' ? this.startVideo(req, ctx, references[0]) : this.startImages(req, ctx, references);
  }

  private async startImages(req: GenerationRequest, ctx: ProviderContext, references: string[]): Promise<StartResult> {
    const model = ctx.upstreamModel;
    const family = imageFamilyOf(model, this.options);
    if (family === 'seededit' && references.length !== 1) {
      // `adapt` refuses this with a 400; a job that failed over from another channel lands here.
      throw new UpstreamError('rejected', {
        code: 'reference_image_required',
        message: `${model} edits exactly one reference image; ${references.length} were given.`,
      });
    }
    const reply = await ctx.http.json({
      path: 'images/generations',
      json: imageBody(req, model, family, references, this.options),
      signal: ctx.signal,
    });
    return completed(await readArkImages(readArkImagesAnswer(reply.body), req, ctx));
  }

  private async startVideo(
    req: GenerationRequest,
    ctx: ProviderContext,
    firstFrame: string | undefined,
  ): Promise<StartResult> {
    const model = ctx.upstreamModel;
    const submittedAt = Date.now();
    const reply = await ctx.http.json<unknown>({
      path: TASKS_PATH,
      json: seedanceBody(req, model, firstFrame, this.options),
      signal: ctx.signal,
    });
    // A 2xx without an id may still have created (and billed) a task: never submit it again.
    const { id: taskId } = submissionAnswer(
      seedanceCreatedSchema,
      reply.body,
      `${ARK_LABEL} accepted the video request but returned no task id.`,
    );
    const { duration } = seedanceParameters(req, model, this.options);
    return pending({
      taskId,
      submittedAt,
      typicalMs: typicalRunMs(duration, this.options.typicalRunSeconds),
      seconds: duration,
      width: req.width,
      height: req.height,
    });
  }

  async status(operation: OperationRef, _req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const op = readOperation(seedanceOperationSchema, operation, ARK_LABEL);
    // Ark answers 404 (ResourceNotFound) for a task it does not know.
    return pollKnownTask(
      async () => {
        const reply = await ctx.http.json<unknown>({
          path: `${TASKS_PATH}/${encodeURIComponent(op.taskId)}`,
          signal: ctx.signal,
        });
        return readSeedanceTask(statusAnswer(seedanceTaskSchema, reply.body, ARK_LABEL), op);
      },
      () => taskNotFound(op.taskId),
    );
  }

  async cancel(operation: OperationRef, ctx: ProviderContext): Promise<void> {
    if (completedStatus(operation)) return;
    const { taskId } = readOperation(seedanceOperationSchema, operation, ARK_LABEL);
    // Ark only cancels queued tasks; a running one finishes and is simply not collected.
    await ctx.http.json({ method: 'DELETE', path: `${TASKS_PATH}/${encodeURIComponent(taskId)}`, signal: ctx.signal });
  }

  pollIntervalMs(attempt: number, req: GenerationRequest): number {
    return req.kind === 'video' ? defaultPollIntervalMs(attempt) : 0;
  }
}
