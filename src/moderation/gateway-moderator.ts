import type { FastifyBaseLogger } from 'fastify';
import type { ModelSpec } from '../catalog/types.js';
import { GenerationError } from '../errors/generation-error.js';
import type { GenerationRequest } from '../intent/types.js';
import type { Metrics } from '../metrics/index.js';
import type { MediaStore } from '../storage/types.js';
import type { ModerationConfig } from './config-schema.js';
import { DEFAULT_OUTPUT_THRESHOLDS, OUTPUT_CLASSES, type OutputClass, type PolicyAction } from './defaults.js';
import { outputBlockMessage, promptBlockMessage, realPersonMessage } from './messages.js';
import { ModerationUnavailableError, PromptPolicy } from './prompt/prompt-policy.js';
import { loadTerms } from './prompt/term-files.js';
import type { ResultReferences } from './result-references.js';
import type { ModerationBlock, Moderator, ReviewedJob, ReviewedResult } from './types.js';
import { maxScores, VisionService } from './vision/vision-service.js';

export interface GatewayModeratorDeps {
  media: MediaStore;
  log: FastifyBaseLogger;
  ffmpegPath: string;
  /** Without it, withheld results are always deleted. */
  references?: ResultReferences;
  /** Counts each stage that ran, by verdict. */
  metrics?: Metrics;
}

/** Duration assumed for a video whose length nobody recorded, to space the sampled frames. */
const FALLBACK_VIDEO_SECONDS = 5;

const unavailable = (what: string) =>
  new GenerationError(
    'moderation_unavailable',
    `The gateway's content review is unavailable (${what}); please retry shortly.`,
  );

/**
 * The gateway's own three-stage review (README "Moderation"): reference images (a local face
 * detector), the prompt (term lists in English and Chinese, optionally a remote moderation service)
 * and the generated results (a local NSFW classifier on images and sampled video frames).
 */
export class GatewayModerator implements Moderator {
  private readonly prompt: PromptPolicy | null;
  private readonly vision: VisionService;
  private readonly thresholds: Record<OutputClass, number | null>;

  constructor(
    private readonly config: ModerationConfig,
    private readonly deps: GatewayModeratorDeps,
  ) {
    this.prompt = config.prompt.enabled
      ? new PromptPolicy({
          actions: config.prompt.actions,
          terms: loadTerms(config.prompt.termFiles, config.prompt.replaceBuiltinTerms),
          remote: config.prompt.remote,
        })
      : null;
    this.vision = new VisionService({
      threads: config.threads,
      timeoutMs: config.timeoutMs,
      cacheEntries: config.cacheEntries,
      maxPixels: config.maxPixels,
      ffmpegPath: deps.ffmpegPath,
    });
    this.thresholds = { ...DEFAULT_OUTPUT_THRESHOLDS, ...config.output.thresholds };
  }

  /** Stage 2 runs first: it is pure string work, and a refused prompt needs no image models. */
  async checkRequest(spec: ModelSpec, request: GenerationRequest): Promise<ModerationBlock | null> {
    return (await this.checkPrompt(spec, request)) ?? (await this.checkReferences(spec, request));
  }

  async reviewResults(job: ReviewedJob, results: ReviewedResult[]): Promise<ModerationBlock | null> {
    if (!this.config.output.enabled || results.length === 0) return null;
    const checked = OUTPUT_CLASSES.filter((c) => this.thresholds[c] !== null);
    if (checked.length === 0) return null;
    for (const result of results) {
      const isVideo = result.contentType.startsWith('video/');
      const verdict = isVideo
        ? await this.vision.classifyVideo(
            result.key,
            (use) => this.deps.media.withFile(result.key, use),
            this.config.output.videoFrames,
            result.seconds ?? job.request.seconds ?? FALLBACK_VIDEO_SECONDS,
          )
        : await this.vision.classifyImage(result.key, () => this.deps.media.read(result.key));
      const scores = maxScores(verdict.frames);
      const over = checked.find((c) => scores[c] >= (this.thresholds[c] as number));
      if (!over) continue;
      this.deps.metrics?.recordModeration('output', 'blocked');
      this.deps.log.warn(
        { jobId: job.id, model: job.model, stage: 'output', category: over, scores },
        'result withheld by output review',
      );
      return {
        stage: 'output',
        category: over,
        message: outputBlockMessage(over, isVideo ? 'video' : 'image', job.request.language),
        scores: { ...scores, ...(isVideo && { frames: verdict.frames.length }) },
      };
    }
    this.deps.metrics?.recordModeration('output', 'allowed');
    return null;
  }

  async discardResults(job: ReviewedJob, results: ReviewedResult[]): Promise<void> {
    for (const key of new Set(results.map((r) => r.key))) {
      if (this.deps.references && (await this.deps.references.isStillNeeded(key, job.id))) {
        this.deps.log.info({ jobId: job.id, mediaKey: key }, 'withheld result kept: another job uses the same bytes');
        continue;
      }
      await this.deps.media.remove(key);
    }
  }

  async close(): Promise<void> {
    await this.vision.close();
  }

  private async checkPrompt(spec: ModelSpec, request: GenerationRequest): Promise<ModerationBlock | null> {
    if (!this.prompt) return null;
    let decision;
    try {
      decision = await this.prompt.evaluate(request.prompt, (reason) =>
        this.deps.log.warn({ stage: 'prompt', reason }, 'remote moderation failed; prompt let through (failOpen)'),
      );
    } catch (err) {
      if (err instanceof ModerationUnavailableError) throw unavailable(err.message);
      throw err;
    }
    for (const warning of decision.warnings) {
      this.deps.log.warn(
        { stage: 'prompt', category: warning.category, term: warning.term, model: spec.id },
        'content policy warning',
      );
    }
    if (!decision.block) {
      this.deps.metrics?.recordModeration('prompt', 'allowed');
      return null;
    }
    this.deps.metrics?.recordModeration('prompt', 'blocked');
    const { category, term, scores, source } = decision.block;
    this.deps.log.info({ stage: 'prompt', category, term, source, model: spec.id }, 'prompt refused by content policy');
    return { stage: 'prompt', category, message: promptBlockMessage(category, request.language), scores };
  }

  private realPersonAction(spec: ModelSpec): PolicyAction {
    const settings = this.config.inputImages;
    return settings.models[spec.id] ?? settings.realPerson[spec.kind];
  }

  private async checkReferences(spec: ModelSpec, request: GenerationRequest): Promise<ModerationBlock | null> {
    if (!this.config.inputImages.enabled || request.references.length === 0) return null;
    const action = this.realPersonAction(spec);
    if (action === 'off') return null;
    const { minFaceScore, maxFlatness } = this.config.inputImages;
    let found;
    try {
      found = await Promise.all(
        request.references.map((ref) => this.vision.findFaces(ref.key, () => this.deps.media.read(ref.key))),
      );
    } catch (err) {
      this.deps.log.error(
        { err: { message: (err as Error).message }, stage: 'input_image' },
        'reference image review failed',
      );
      throw unavailable('the reference image check failed');
    }
    for (const [index, result] of found.entries()) {
      const real = result.faces.filter((f) => f.score >= minFaceScore && f.flatness <= maxFlatness);
      if (real.length === 0) continue;
      const best = real.reduce((a, b) => (b.score > a.score ? b : a));
      const scores = { face: best.score, flatness: best.flatness, faces: real.length, image: index + 1 };
      if (action === 'warn') {
        this.deps.log.warn(
          { stage: 'input_image', category: 'real_person', model: spec.id, scores },
          'content policy warning',
        );
        continue;
      }
      this.deps.metrics?.recordModeration('input_image', 'blocked');
      return {
        stage: 'input_image',
        category: 'real_person',
        message: realPersonMessage(index + 1, spec.id, request.language),
        scores,
      };
    }
    this.deps.metrics?.recordModeration('input_image', 'allowed');
    return null;
  }
}
