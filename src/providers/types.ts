import type { GenerationRequest } from '../intent/types.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What a provider returns from `start`: an opaque, JSON-serialisable reference to the upstream
 * operation. The job engine persists it before polling, which is what makes a job resumable
 * after a crash without submitting it upstream a second time.
 */
export type OperationRef = { [key: string]: JsonValue };

/** Why a job failed, in a form that does not depend on the upstream. */
export interface NormalisedError {
  /** Stable machine code, e.g. `content_policy_violation`, `upstream_timeout`, `upstream_error`. */
  code: string;
  message: string;
  /** Moderation stage when the failure is a policy block. */
  stage?: 'input_image' | 'prompt' | 'output';
  category?: string;
  /** What a moderation check measured (category → score 0–1), kept on the job row. */
  scores?: Record<string, number>;
  /** True when resubmitting could succeed (the upstream certainly did not do the work). */
  retryable?: boolean;
}

/** One finished artifact, in whichever form the provider has it. */
export type OutputSource =
  | { type: 'file'; path: string }
  | { type: 'bytes'; data: Buffer }
  | { type: 'url'; url: string; headers?: Record<string, string> };

export interface ProviderOutput {
  kind: 'image' | 'video';
  contentType: string;
  source: OutputSource;
  width?: number;
  height?: number;
  seconds?: number;
}

export type OperationStatus =
  | { state: 'running'; progress?: number; /** hint for the next poll */ retryAfterMs?: number }
  | { state: 'succeeded'; outputs: ProviderOutput[] }
  | { state: 'failed'; error: NormalisedError };

/** Everything a provider needs that is not part of the request itself. */
export interface ProviderContext {
  /** Upstream model name for this channel (may differ from the public name). */
  upstreamModel: string;
  /** Reads a stored reference image. */
  readReference(key: string): Promise<Buffer>;
  signal?: AbortSignal;
}

/** One upstream protocol. Every adapter implements exactly this. */
export interface Provider {
  readonly protocol: string;
  /**
   * True when submitting the same request twice cannot cost or duplicate anything (the local
   * sandbox). Only then may a job interrupted mid-submission be submitted again.
   */
  readonly idempotentStart: boolean;
  start(request: GenerationRequest, ctx: ProviderContext): Promise<OperationRef>;
  status(operation: OperationRef, request: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus>;
  cancel?(operation: OperationRef, ctx: ProviderContext): Promise<void>;
  /** Suggested delay before the first and subsequent polls. */
  pollIntervalMs(attempt: number): number;
}
