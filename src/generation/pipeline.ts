import type { PriceBook } from '../billing/price-book.js';
import type { Quote } from '../billing/quote.js';
import { findModel } from '../catalog/index.js';
import { badRequest, GenerationError } from '../errors/generation-error.js';
import { loadReference, type ReferenceInput } from '../intent/references.js';
import type { GenerationRequest, StoredReference } from '../intent/types.js';
import { dropUnreadFields } from '../providers/fit-request.js';
import { createJobOnce, type CreatedJob, type IdempotencyTag } from '../jobs/idempotency.js';
import { findRepeatedJob, type RepeatWindows } from '../jobs/repeated-request.js';
import type { JobRecord, JobStore } from '../jobs/types.js';
import {
  prepareGeneration,
  referenceDeps,
  type GenerationInput,
  type PrepareDeps,
  type PreparedGeneration,
} from './prepare-generation.js';
import { submitPrepared, type JobCreationDeps } from './submit-prepared.js';

/** One create request from any entry point: what to generate, and what the job carries besides. */
export interface GenerationOrder {
  apiKeyId: string;
  /** The account charged; without one (tests, tools) nothing is reserved or charged. */
  accountId?: string;
  /** Public model names the key and its account may use; null or absent allows every model. */
  allowedModels?: readonly string[] | null;
  input: GenerationInput;
  /**
   * The request's Idempotency-Key (already validated; undefined when it sent none), what the request
   * was, and whether it says it is a client's automatic retry: a retry gets the earlier job back, a
   * different request with the key is refused, and an identical request right after a failure gets it.
   */
  idempotency?: { key: string | undefined; fingerprint: string; clientRetry?: boolean };
  /** Images API edit mask: stored with the reference limits, and the size of the first reference. */
  mask?: ReferenceInput;
  /** Images API `background`. */
  background?: string;
  webhookUrl?: string;
  /** Job id of the video this one remixes. */
  remixedFrom?: string;
}

export interface PipelineDeps extends PrepareDeps, JobCreationDeps {
  jobs: Pick<JobStore, 'findByIdempotencyKey' | 'findNewestByFingerprint' | 'claimHandedOff' | 'get'>;
  /** How long a request without an Idempotency-Key is recognised as a repeat of an earlier one. */
  repeats: RepeatWindows;
  /** Quotes the reservation of each job; absent, nothing is charged. */
  prices?: Pick<PriceBook, 'quote'>;
}

/**
 * A request the gateway's own review refused holds nothing: its job still gets its reservation and
 * settlement (of 0), so the block is answered as a block, not as an empty balance.
 */
async function quoteFor(prices: Pick<PriceBook, 'quote'>, prepared: PreparedGeneration): Promise<Quote> {
  const quote = await prices.quote(prepared.request);
  return prepared.rejection ? { ...quote, outputs: 0, amount: 0 } : quote;
}

/** Refused before anything is fetched or reviewed, naming the models that may be used. */
function checkModelAllowed(order: GenerationOrder): void {
  const allowed = order.allowedModels;
  if (!allowed) return;
  const model = findModel(order.input.model)?.id ?? order.input.model;
  if (allowed.includes(model)) return;
  throw new GenerationError(
    'model_not_allowed',
    `This API key may not use ${model}. It may use: ${allowed.join(', ') || 'no model'}.`,
    'model',
    { retry: false },
  );
}

/** OpenAI: the mask is a PNG with the first image's dimensions. */
function checkMask(mask: StoredReference, first: StoredReference | undefined): void {
  if (mask.contentType !== 'image/png')
    throw badRequest(
      'mask must be a PNG image (its transparent pixels mark the area to edit).',
      'mask',
      'invalid_image',
    );
  if (first && (mask.width !== first.width || mask.height !== first.height)) {
    throw badRequest(
      `mask is ${mask.width}x${mask.height} but the first image is ${first.width}x${first.height}; they must match.`,
      'mask',
      'invalid_image',
    );
  }
}

/**
 * The one way a request becomes a job: idempotency → catalog → intent → references → moderation →
 * routing → job creation. Every entry point (chat, images, videos, and later ones) calls `create`;
 * the job engine only receives the finished job and never calls back.
 */
export class GenerationPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /**
   * Creates the order's job, or returns the earlier one it repeats (nothing is fetched, reviewed or
   * submitted again): the job its Idempotency-Key created; without a key, the job a client's retry
   * joins or the failure an identical request just had.
   */
  async create(order: GenerationOrder): Promise<CreatedJob> {
    const { key, fingerprint, clientRetry = false } = order.idempotency ?? {};
    if (fingerprint !== undefined && key === undefined) {
      const scope = { apiKeyId: order.apiKeyId, fingerprint, clientRetry };
      const repeats = { store: this.deps.jobs, followedHere: (id: string) => this.deps.engine.isFollowed(id) };
      const earlier = await findRepeatedJob(repeats, scope, this.deps.repeats, Date.now());
      if (earlier) return earlier;
    }
    return createJobOnce(this.deps.jobs, { apiKeyId: order.apiKeyId, key, fingerprint: fingerprint ?? '' }, (tag) =>
      this.createJob(order, tag, fingerprint),
    );
  }

  private async createJob(
    order: GenerationOrder,
    tag: IdempotencyTag | undefined,
    fingerprint: string | undefined,
  ): Promise<JobRecord> {
    checkModelAllowed(order);
    const prepared = await prepareGeneration(order.input, this.deps);
    const options = await this.imageOptions(prepared.request, order);
    // The mask and background join the fitted request here; an upstream that cannot read them is said so.
    const { provider } = prepared.route.channel;
    const request =
      options && dropUnreadFields(provider, { ...prepared.request, ...options }, prepared.route.upstreamModel);
    const { prices } = this.deps;
    const billing =
      order.accountId && prices ? { accountId: order.accountId, quote: await quoteFor(prices, prepared) } : undefined;
    return submitPrepared(this.deps, order.apiKeyId, prepared, {
      ...(billing && { billing }),
      // The original goes with the job so that a failover can fit it to another channel.
      originalRequest: { ...prepared.original, ...options },
      ...(request && { request }),
      ...(order.webhookUrl !== undefined && { webhookUrl: order.webhookUrl }),
      ...(order.remixedFrom !== undefined && { remixedFrom: order.remixedFrom }),
      ...(fingerprint !== undefined && { requestFingerprint: fingerprint }),
      ...tag,
    });
  }

  /** The Images API's mask and background, when the order has them. */
  private async imageOptions(
    request: GenerationRequest,
    order: GenerationOrder,
  ): Promise<Partial<GenerationRequest> | undefined> {
    const mask = order.mask && (await loadReference(order.mask, referenceDeps(this.deps, order.input.requestOrigin)));
    if (mask) checkMask(mask, request.references[0]);
    if (!mask && !order.background) return undefined;
    return { ...(order.background && { background: order.background }), ...(mask && { mask }) };
  }
}
