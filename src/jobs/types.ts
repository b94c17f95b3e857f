import type { MediaKind } from '../catalog/types.js';
import type { GenerationRequest } from '../intent/types.js';
import type { Quote } from '../billing/quote.js';
import type { NormalisedError, OperationRef, UpstreamUsage } from '../providers/types.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface JobResult {
  /** Storage key; the public URL is `${PUBLIC_BASE_URL}/media/${key}`. */
  key: string;
  contentType: string;
  bytes: number;
  width?: number;
  height?: number;
  seconds?: number;
}

export interface JobRecord {
  id: string;
  apiKeyId: string;
  model: string;
  kind: MediaKind;
  /** The request as fitted to the channel that runs the job (`channel`). */
  request: GenerationRequest;
  /** The request before it was fitted to any channel, for fitting it again on a failover; null on older jobs. */
  originalRequest: GenerationRequest | null;
  status: JobStatus;
  /** 0–100. */
  progress: number;
  channel: string | null;
  /** Provider's operation reference, persisted before the first poll. */
  operation: OperationRef | null;
  /** Set just before the provider's `start` is called; with no operation it marks an interrupted submission. */
  submittedAt: number | null;
  results: JobResult[];
  /** Token usage the upstream reported for the finished job, if it reports any. */
  usage: UpstreamUsage | null;
  error: NormalisedError | null;
  /** Instance currently running the job, and until when its claim holds. */
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** The instance running the job now, or the one that ran it last (null before 0009 or before any ran it). */
  instance?: string | null;
  /** Count of upstream status calls made for this job. */
  statusCalls: number;
  /** Fingerprint of the channel key that submitted the task. */
  channelKey: string | null;
  /** Submissions made (retries and failovers included). */
  submitAttempts: number;
  /** Unix milliseconds. */
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** Idempotency-Key the job was created with (cleared when the job is deleted). */
  idempotencyKey?: string | null;
  /** What the creating request was (endpoint and content), to tell a retry from a conflicting reuse of the key. */
  idempotencyFingerprint?: string | null;
  /** What the creating request was (endpoint and content), with or without an Idempotency-Key. */
  requestFingerprint?: string | null;
  /** When a stop cut this job's answer short and no request has joined it since (see `claimHandedOff`). */
  handedOffAt?: number | null;
  /** Callback URL given with the request; the key's default applies when absent. */
  webhookUrl?: string | null;
  /** Job id of the video this job remixes. */
  remixedFrom?: string | null;
  /** Set when the owner deleted the job (and its media); the row stays so ids are never reused. */
  deletedAt?: number | null;
  /** The account charged; null on jobs from before accounts existed. */
  accountId?: string | null;
  /** What was reserved for the job; null when nothing was (jobs from before accounts). */
  quote?: Quote | null;
  /** Credits captured when the job ended (0 when nothing was delivered); null while it runs. */
  cost?: number | null;
  /** Images, or seconds of video, charged. */
  billedUnits?: number | null;
  /** Credits' worth of work the upstream made (and likely billed) that was not delivered. */
  loss?: number | null;
}

/** The columns of an earlier job that say whether a request repeats it (`src/jobs/repeated-request.ts`). */
export type RepeatCandidate = Pick<JobRecord, 'id' | 'status' | 'completedAt' | 'handedOffAt'>;

export interface NewJob {
  id: string;
  apiKeyId: string;
  model: string;
  kind: MediaKind;
  /** Fitted to `channel` (provider `adapt`). */
  request: GenerationRequest;
  /** The request before `adapt`, so a failover can fit it to another channel. */
  originalRequest?: GenerationRequest;
  channel: string | null;
  createdAt: number;
  /** With `idempotencyFingerprint`; unique per API key (a second insert with the key fails). */
  idempotencyKey?: string;
  idempotencyFingerprint?: string;
  /** The creating request's fingerprint, so a client's retry of it can find this job. */
  requestFingerprint?: string;
  webhookUrl?: string;
  remixedFrom?: string;
  /** The creating instance's lease, taken in the same insert so it can run the job without a claim. */
  leaseOwner?: string;
  leaseExpiresAt?: number;
  /** The account to charge and the quote to reserve, in the same transaction as the insert. */
  billing?: { accountId: string; quote: Quote };
  /** Set when the gateway's own review refused the request: the job is inserted failed, and settled. */
  rejection?: NormalisedError;
}

/** One page of a key's jobs, in id (= creation) order. */
export interface JobListQuery {
  apiKeyId: string;
  /** Absent: jobs of every kind. */
  kind?: MediaKind;
  status?: JobStatus;
  /** Exclusive cursor: a job id. */
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
}

/** The operator's view: jobs of every key and account, filtered; newest first, deleted ones included. */
export interface JobSearch {
  status?: JobStatus;
  model?: string;
  channel?: string;
  accountId?: string;
  apiKeyId?: string;
  /** Created at or after / before, unix milliseconds. */
  since?: number;
  until?: number;
  /** Exclusive cursor: a job id; the page holds older jobs. */
  after?: string;
  limit: number;
}

export interface ProgressUpdate {
  id: string;
  progress: number;
  statusCalls: number;
}

/** Persistence of jobs. Every method is a single atomic statement (or transaction). */
export interface JobStore {
  create(job: NewJob): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  /** Just the status: cheap enough to ask often. */
  statusOf(id: string): Promise<JobStatus | null>;
  /** Status and stored progress of many jobs in one statement (the followers' periodic re-read); missing ids are left out. */
  progressOf(ids: readonly string[]): Promise<{ id: string; status: JobStatus; progress: number }[]>;
  /**
   * Takes (or renews) the lease on a non-terminal job for `owner` when it is unowned, expired or
   * already owned by `owner`. Returns the job when the claim succeeded, null otherwise.
   */
  claim(id: string, owner: string, now: number, leaseMs: number): Promise<JobRecord | null>;
  /** Extends the leases `owner` holds on the given active jobs; returns the ids it still holds. */
  renewLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]>;
  /**
   * Takes up to `limit` active jobs of an instance that died (`deadOwner`; null: jobs nobody holds,
   * such as a stop's released ones) for `owner`, whatever their leases' expiry; each job goes to one
   * taker. Returns the jobs taken.
   */
  takeOver(deadOwner: string | null, owner: string, now: number, leaseMs: number, limit: number): Promise<JobRecord[]>;
  /** Gives up `owner`'s leases on these jobs (a stop): any instance may claim them at once. */
  releaseLeases(owner: string, ids: string[]): Promise<void>;
  /**
   * Status → running; records the channel, the key's fingerprint and `submittedAt` (and, after a
   * failover, the request as fitted to the new channel, in the same statement), and counts the
   * attempt. False when the job is no longer active (cancelled, possibly by another instance) or
   * `owner` no longer holds its lease (another instance took it over after this one stalled).
   */
  markSubmitting(
    id: string,
    owner: string,
    channel: string,
    channelKey: string | null,
    now: number,
    request?: GenerationRequest,
  ): Promise<boolean>;
  /** Clears `submittedAt` after a submission the upstream certainly did not accept, so a restart may retry it. */
  markNotSubmitted(id: string, now: number): Promise<void>;
  saveOperation(id: string, operation: OperationRef, now: number): Promise<void>;
  /**
   * Whether a job other than `exceptJobId`, created since `since`, holds this operation on this
   * channel: a task found after a lost submission that already belongs to another job is not ours.
   */
  isOperationHeld(channel: string, operation: OperationRef, exceptJobId: string, since: number): Promise<boolean>;
  /** Writes many jobs' progress in as few statements as the database allows; terminal jobs are left alone. */
  saveProgressBatch(updates: ProgressUpdate[], now: number): Promise<void>;
  /**
   * Terminal transitions; they also release the lease. Each returns the finished job, or null when
   * the job was already terminal (nothing changed: the first outcome stands) or, with `owner`, when
   * another instance holds its lease.
   */
  succeed(
    id: string,
    results: JobResult[],
    statusCalls: number,
    now: number,
    usage?: UpstreamUsage,
    owner?: string,
  ): Promise<JobRecord | null>;
  fail(id: string, error: NormalisedError, statusCalls: number, now: number, owner?: string): Promise<JobRecord | null>;
  cancel(id: string, now: number): Promise<JobRecord | null>;
  /**
   * Non-terminal jobs whose lease is absent or expired at `now`, oldest first; with `owner`, also
   * those it holds (an instance with a stable identity reclaims its own jobs after a restart).
   * Jobs of `liveOwners` are left out even when their leases expired: a slow instance keeps its jobs.
   */
  findOrphaned(now: number, limit: number, owner?: string, liveOwners?: string[]): Promise<JobRecord[]>;
  /** The job `apiKeyId` created with an Idempotency-Key, if any (deleted jobs release their key). */
  findByIdempotencyKey(apiKeyId: string, key: string): Promise<JobRecord | null>;
  /**
   * What decides whether a request repeats the newest live job `apiKeyId` created with this request
   * fingerprint, if any: read on every create without an Idempotency-Key, so only these columns.
   */
  findNewestByFingerprint(apiKeyId: string, fingerprint: string): Promise<RepeatCandidate | null>;
  /** Marks jobs whose answer a stop cut short (see `claimHandedOff`). */
  markHandedOff(ids: readonly string[], now?: number): Promise<void>;
  /**
   * Takes the hand-off of a job a stop handed off since `since`, so that only one request joins it;
   * false when it was not handed off (or another request took it).
   */
  claimHandedOff(jobId: string, since: number): Promise<boolean>;
  /** A key's jobs (of one kind, or one status, when asked), deleted ones left out. */
  list(query: JobListQuery): Promise<JobRecord[]>;
  /** Marks a terminal job deleted and releases its idempotency key; false when it was not found or not terminal. */
  markDeleted(id: string, now: number): Promise<boolean>;
  /** Whether any live job other than `exceptJobId` has the stored object `key` among its results or references. */
  isMediaReferenced(key: string, exceptJobId: string): Promise<boolean>;
}
