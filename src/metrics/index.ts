import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The gateway's Prometheus series, on a registry of its own: every gateway instance (tests build
 * several per process) counts separately, and nothing touches prom-client's global registry.
 *
 * A leaf: it imports only prom-client, so any layer (providers included) may record into it. Label
 * values are bounded by construction: route patterns rather than URLs, closed lists for outcomes,
 * job error codes, status classes and moderation stages; models and channels come from the catalog
 * and the configuration.
 */

/** What an upstream call came to: the HTTP status class, or why there was no status. */
export type UpstreamStatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'network' | 'timeout' | 'aborted';
export type JobOutcomeLabel = 'succeeded' | 'failed' | 'cancelled';
export type ModerationStageLabel = 'input_image' | 'prompt' | 'output';
export type ModerationVerdict = 'allowed' | 'blocked';
export type MoneyMovement = 'reserved' | 'captured' | 'released';

/** A job that reached a terminal state, as the metrics need it (unix milliseconds). */
export interface FinishedJobSample {
  model: string;
  /** The channel that ran it; null when it never reached one. */
  channel: string | null;
  outcome: JobOutcomeLabel;
  /** A JobErrorCode (a closed list) for failed jobs; null otherwise. */
  code: string | null;
  createdAt: number;
  completedAt: number;
}

const SECONDS_HTTP = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const SECONDS_UPSTREAM = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const SECONDS_JOB = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const SECONDS_QUEUE = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];

export function statusClassOf(status: number): UpstreamStatusClass {
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx` as UpstreamStatusClass;
  return 'network';
}

export function createMetrics() {
  const registry = new Registry();
  // Process metrics keep their standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'mediagate_http_requests_total',
    help: 'HTTP requests answered, by route pattern (`unmatched` for unknown paths), method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const httpRequestDuration = new Histogram({
    name: 'mediagate_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer (streams included), by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: SECONDS_HTTP,
    registers,
  });
  const jobsFinished = new Counter({
    name: 'mediagate_jobs_finished_total',
    help: 'Jobs that reached a terminal state, by public model, channel, outcome and job error code (`none` unless failed).',
    labelNames: ['model', 'channel', 'outcome', 'code'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'mediagate_job_duration_seconds',
    help: 'Time from a job being created to its terminal state, by public model and outcome.',
    labelNames: ['model', 'outcome'] as const,
    buckets: SECONDS_JOB,
    registers,
  });
  const jobQueueTime = new Histogram({
    name: 'mediagate_job_queue_seconds',
    help: 'Time from a job being created to its first submission upstream, by public model and channel.',
    labelNames: ['model', 'channel'] as const,
    buckets: SECONDS_QUEUE,
    registers,
  });
  const upstreamCalls = new Counter({
    name: 'mediagate_upstream_calls_total',
    help: 'HTTP calls to upstreams, by channel and status class (2xx…5xx, or network, timeout, aborted).',
    labelNames: ['channel', 'status_class'] as const,
    registers,
  });
  const upstreamLatency = new Histogram({
    name: 'mediagate_upstream_call_duration_seconds',
    help: 'Time to an upstream answer (its whole body for JSON calls, its headers for downloads), by channel and status class.',
    labelNames: ['channel', 'status_class'] as const,
    buckets: SECONDS_UPSTREAM,
    registers,
  });
  let countStreams: () => number = () => 0;
  const openStreams = new Gauge({
    name: 'mediagate_open_streams',
    help: 'Server-sent-event streams open right now.',
    registers,
    collect() {
      this.set(countStreams());
    },
  });
  const moderation = new Counter({
    name: 'mediagate_moderation_checks_total',
    help: "Outcomes of the gateway's own content review, by stage (input_image, prompt, output) and verdict.",
    labelNames: ['stage', 'verdict'] as const,
    registers,
  });
  const money = {
    reserved: new Counter({
      name: 'mediagate_credits_reserved_total',
      help: 'Credits reserved for jobs when they were created, by public model.',
      labelNames: ['model'] as const,
      registers,
    }),
    captured: new Counter({
      name: 'mediagate_credits_captured_total',
      help: 'Credits charged for what jobs delivered, by public model.',
      labelNames: ['model'] as const,
      registers,
    }),
    released: new Counter({
      name: 'mediagate_credits_released_total',
      help: 'Reserved credits given back when jobs settled, by public model.',
      labelNames: ['model'] as const,
      registers,
    }),
  } satisfies Record<MoneyMovement, Counter<'model'>>;

  return {
    registry,
    contentType: registry.contentType,
    httpRequests,
    httpRequestDuration,
    jobsFinished,
    jobDuration,
    jobQueueTime,
    upstreamCalls,
    upstreamLatency,
    openStreams,
    moderation,
    creditsReserved: money.reserved,
    creditsCaptured: money.captured,
    creditsReleased: money.released,

    /** Prometheus text exposition of every series. */
    scrape: (): Promise<string> => registry.metrics(),

    recordHttpRequest(route: string, method: string, status: number, seconds: number): void {
      httpRequests.inc({ route, method, status: String(status) });
      httpRequestDuration.observe({ route, method }, seconds);
    },

    recordJobFinished(job: FinishedJobSample): void {
      jobsFinished.inc({
        model: job.model,
        channel: job.channel ?? 'none',
        outcome: job.outcome,
        code: job.outcome === 'failed' ? (job.code ?? 'unknown') : 'none',
      });
      jobDuration.observe(
        { model: job.model, outcome: job.outcome },
        Math.max(0, job.completedAt - job.createdAt) / 1000,
      );
    },

    /** Called once per job, when it is first submitted upstream. */
    recordJobSubmitted(model: string, channel: string, createdAt: number, submittedAt: number): void {
      jobQueueTime.observe({ model, channel }, Math.max(0, submittedAt - createdAt) / 1000);
    },

    recordUpstreamCall(channel: string, statusClass: UpstreamStatusClass, seconds: number): void {
      upstreamCalls.inc({ channel, status_class: statusClass });
      upstreamLatency.observe({ channel, status_class: statusClass }, seconds);
    },

    recordModeration(stage: ModerationStageLabel, verdict: ModerationVerdict): void {
      moderation.inc({ stage, verdict });
    },

    /** A ledger movement of `amount` credits (an integer ≥ 0) for a job of `model`. */
    recordMoney(kind: MoneyMovement, model: string, amount: number | bigint): void {
      const value = Number(amount);
      if (value > 0) money[kind].inc({ model }, value);
    },

    /** The gauge of open streams reads this when scraped (the SSE keep-alive knows every open stream). */
    countOpenStreams(count: () => number): void {
      countStreams = count;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
