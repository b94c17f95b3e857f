import type { MediaKind } from '../catalog/types.js';
import type { OptionalField } from '../intent/adjustments.js';
import type { GenerationRequest } from '../intent/types.js';
import type { NormalisedError } from './error-codes.js';
import type { ErrorDescriber, UpstreamHttp } from './http-client.js';

export type { NormalisedError };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What a provider returns from `start`: an opaque, JSON-serialisable reference to the upstream
 * operation. The job engine persists it before polling, which is what makes a job resumable
 * after a crash without submitting it upstream a second time.
 */
export type OperationRef = { [key: string]: JsonValue };

/** One finished artifact, in whichever form the provider has it. */
export type OutputSource =
  | { type: 'file'; path: string }
  | { type: 'bytes'; data: Buffer }
  | { type: 'url'; url: string; headers?: Record<string, string> }
  /**
   * Already in mediagate's storage (results a synchronous upstream returned inline). `bytes` is
   * known when the output was stored by this run; operations saved without it are looked up.
   */
  | StoredSource;

export interface StoredSource {
  type: 'stored';
  key: string;
  bytes?: number;
}

/**
 * Token usage as the upstream reported it, in OpenAI's Images shape (what clients of
 * `/v1/images/*` read). Only upstreams that bill by token report it.
 */
export interface UpstreamUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { text_tokens: number; image_tokens: number };
  output_tokens_details?: { text_tokens: number; image_tokens: number };
}

export interface ProviderOutput {
  kind: 'image' | 'video';
  contentType: string;
  source: OutputSource;
  width?: number;
  height?: number;
  seconds?: number;
  /**
   * When the upstream's link stops serving the result (unix ms), where the upstream says so. Until
   * then a failed download is retried; signed links' own expiry is read from the URL when absent.
   */
  expiresAt?: number;
}

/**
 * What `start` returns. A synchronous upstream did the whole generation inside `start` and hands
 * over its outputs (stored or short-lived links, never inline media); an asynchronous one accepted a
 * task and hands over the reference to follow it by, which the engine persists before polling.
 */
export type StartResult =
  | { type: 'completed'; outputs: ProviderOutput[]; usage?: UpstreamUsage }
  | { type: 'pending'; operation: OperationRef };

export type OperationStatus =
  | { state: 'running'; progress?: number /** hint for the next poll */; retryAfterMs?: number }
  | { state: 'succeeded'; outputs: ProviderOutput[]; usage?: UpstreamUsage }
  | { state: 'failed'; error: NormalisedError };

/** Everything a provider needs that is not part of the request itself. */
export interface ProviderContext {
  /** Upstream model name for this channel (may differ from the public name). */
  upstreamModel: string;
  /** The channel's HTTP, bound to its base URL and to the key chosen for this job. */
  http: UpstreamHttp;
  /** Reads a stored reference image. */
  readReference(key: string): Promise<Buffer>;
  /**
   * Stores bytes a synchronous upstream returned inline (base64 images), so the persisted
   * operation carries a storage key rather than the media itself. Returns the output's source.
   */
  storeOutput(data: Buffer, contentType: string): Promise<StoredSource>;
  /** Progress observed while `start` itself runs (a streaming relay); 0–100. */
  reportProgress(progress: number): void;
  /**
   * A reference derived from the job id alone (see submission-reference.ts), the same on every
   * attempt and after a restart. `start` sends it where the protocol takes a client-supplied task
   * reference (Kling's `external_task_id`), so `findSubmitted` can ask for it by name.
   */
  clientReference: string;
  signal?: AbortSignal;
}

/** One task of a batched status read (`Provider.statusMany`). */
export interface BatchedTask {
  operation: OperationRef;
  request: GenerationRequest;
  /** When the task was submitted (unix ms, the gateway's clock): how far back a list must reach. */
  submittedAt: number;
  /**
   * False for a task whose poll is not due: answered only when it shows up on a page read anyway
   * (its progress is news for free), never a reason to read further.
   */
  wanted: boolean;
}

/** What the job engine knows about a submission whose answer never arrived. */
export interface SubmissionHint {
  jobId: string;
  /** When the submission was sent (unix ms, the gateway's clock). */
  submittedAt: number;
  /** The reference `start` sent (ProviderContext.clientReference). */
  clientReference: string;
}

/** One upstream protocol. Every adapter implements exactly this. */
export interface Provider {
  readonly protocol: string;
  /** Names the upstream in messages users see, e.g. "Black Forest Labs". */
  readonly label: string;
  /** Headers that authenticate one key of the channel (the key is never logged). */
  authHeaders(apiKey: string): Record<string, string>;
  /** Reads this upstream's error bodies. */
  readonly describeError: ErrorDescriber;
  /**
   * True when submitting the same request twice cannot cost or duplicate anything (the local
   * sandbox). Only then may a job interrupted mid-submission be submitted again.
   */
  readonly idempotentStart: boolean;
  /**
   * Submits the work. Throws UpstreamError (see errors.ts), whose `failure` tells the job engine
   * whether the upstream could have accepted the work.
   */
  start(request: GenerationRequest, ctx: ProviderContext): Promise<StartResult>;
  /**
   * Where a task `start` answered `pending` for stands. Only providers that can answer `pending`
   * implement it; `operation` comes back from the database, so the provider parses it.
   */
  status?(operation: OperationRef, request: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus>;
  /**
   * Optional: the status of several tasks created with one key, in fewer calls than one each, where
   * the protocol lists tasks (OpenAI videos: `GET /videos`). Answers, by index into `tasks`, the
   * tasks it found; the engine reads the wanted others with `status`. It stops paging when reading
   * the wanted tasks still missing one by one would be cheaper than another page. Throws when the list cannot be
   * read (many resellers have none): the engine then reads every task with `status`.
   */
  statusMany?(tasks: readonly BatchedTask[], ctx: ProviderContext): Promise<Map<number, OperationStatus>>;
  cancel?(operation: OperationRef, ctx: ProviderContext): Promise<void>;
  /**
   * Optional: after a submission whose answer was lost (a POST that timed out or broke off, or a
   * crash before the answer was recorded), looks upstream for the task that submission may have
   * created. Returns every task that could be it, each as the operation reference `start` would
   * have returned for it (built by the same code, so it serialises identically: the engine drops
   * tasks another job already holds by comparing them). An empty list means the upstream certainly
   * has no such task. Throws when it could not tell; an UpstreamError that is `rejected` means
   * asking again cannot help (no list on this upstream). Never submits anything. Implemented only
   * where the protocol offers a way to find a task (see each adapter's index.ts).
   */
  findSubmitted?(request: GenerationRequest, ctx: ProviderContext, hint: SubmissionHint): Promise<OperationRef[]>;
  /** Shutdown: waits for work the provider runs itself (the sandbox's renders) to end. */
  close?(): Promise<void>;
  /**
   * Optional: snaps a request resolved against the public model (e.g. `sora-2`, up to 15 s) to what
   * this upstream model accepts (Veo: 4, 6 or 8 s), recording each change in `adjustments` so
   * the user is told. Called when the request is accepted, and by the job engine on the original
   * request when a failover moves the job to another channel: `start` receives a request already
   * fitted to the channel it runs on.
   */
  adapt?(request: GenerationRequest, upstreamModel: string): GenerationRequest;
  /**
   * Optional: which of the request's optional fields (`OPTIONAL_FIELDS`: seed, quality, resolution,
   * background, mask) this upstream model reads for this request. The others are left out and the
   * user told (fit-request.ts). Absent: every field is read (the sandbox).
   */
  reads?(request: GenerationRequest, upstreamModel: string): readonly OptionalField[];
  /** Suggested delay before the first (attempt 0) and subsequent polls. */
  pollIntervalMs(attempt: number, request: GenerationRequest): number;
}

/** How a channel's `type` becomes a provider: its factory and the public endpoint it defaults to. */
export interface ProtocolEntry {
  defaultBaseUrl: string;
  /**
   * The kinds of request this protocol runs as upstream tasks that are polled (the gateway keeps a
   * task id, not a call open). A channel serving only such models holds many jobs at once by default.
   */
  polls: readonly MediaKind[];
  create(options: Readonly<Record<string, unknown>>): Provider;
}
