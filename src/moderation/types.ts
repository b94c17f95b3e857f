import type { ModelSpec } from '../catalog/types.js';
import type { GenerationRequest } from '../intent/types.js';

export type ModerationStage = 'input_image' | 'prompt' | 'output';

/** Why content was stopped: the stage, the policy category, and what the check measured. */
export interface ModerationBlock {
  stage: ModerationStage;
  category: string;
  /** Shown to the user; says what was found, not how to get around it. */
  message: string;
  scores?: Record<string, number>;
}

/**
 * The gateway's own review, independent of whatever the upstream does. Stages 1 and 2 run before a
 * job reaches any upstream; stage 3 runs on the stored results before a job may succeed.
 */
export interface Moderator {
  /** Stage 1 (reference images) and stage 2 (prompt). Null lets the request through. */
  checkRequest(spec: ModelSpec, request: GenerationRequest): Promise<ModerationBlock | null>;
  /** Stage 3: the generated results of a job, already in storage. Null lets them through. */
  reviewResults(job: ReviewedJob, results: ReviewedResult[]): Promise<ModerationBlock | null>;
  /**
   * Removes the stored results of a job whose review failed, except bytes another job still needs
   * (storage is content-addressed, so identical results share one file).
   */
  discardResults?(job: ReviewedJob, results: ReviewedResult[]): Promise<void>;
  /** Stops the model worker threads. */
  close?(): Promise<void>;
}

/** Lets everything through; used where moderation is switched off. */
export const allowEverything: Moderator = {
  checkRequest: async () => null,
  reviewResults: async () => null,
};

/** What stage 3 needs of a job: which one it is and what was asked (a job row satisfies it). */
export interface ReviewedJob {
  id: string;
  model: string;
  request: GenerationRequest;
}

/** A stored result as stage 3 reads it. */
export interface ReviewedResult {
  key: string;
  contentType: string;
  seconds?: number;
}
