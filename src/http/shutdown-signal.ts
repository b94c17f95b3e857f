import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

/** Seconds a client is asked to wait before retrying: about the time a supervisor takes to restart the process. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Raised once, when the gateway starts stopping (SIGTERM, SIGINT or `close()`). Routes that wait for
 * a job listen to `signal` and answer with the job's id instead of holding the connection until the
 * process is gone; the job itself keeps its row and resumes on the next start.
 */
export class ShutdownSignal {
  private readonly controller = new AbortController();
  private readonly handedOffJobs = new Set<string>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  begin(): void {
    this.controller.abort();
  }

  /**
   * A job whose answer the stop cut short (a stream's last delta, a 503): recorded on the job before
   * the process exits, so the same request sent again after the restart joins it instead of paying twice.
   */
  handOff(jobId: string): void {
    this.handedOffJobs.add(jobId);
  }

  get handedOff(): string[] {
    return [...this.handedOffJobs];
  }
}

/**
 * The 503 a request gets while the gateway stops. With a job it names it and how to follow it;
 * clients retry it (`x-should-retry: true`), and the same request sent again after the restart
 * joins the same job (src/jobs/repeated-request.ts).
 */
export function shuttingDownError(jobId?: string): ApiError {
  const message = jobId
    ? `The server is restarting. Job ${jobId} keeps running and resumes when the server is back: ` +
      `follow it with GET /v1/jobs/${jobId}, or send this request again to get its result.`
    : 'The server is restarting and takes no new requests; retry in a few seconds.';
  return new ApiError(503, message, 'server_error', null, 'server_shutting_down', {
    'retry-after': String(RETRY_AFTER_SECONDS),
    'x-should-retry': 'true',
    // The connection goes away with the process: the retry must open a new one.
    connection: 'close',
    ...(jobId && { 'x-mediagate-job-id': jobId }),
  });
}

/** Sends `shuttingDownError` directly, so no later error mapping can change its retry headers. */
export function answerShuttingDown(reply: FastifyReply, jobId?: string): FastifyReply {
  const error = shuttingDownError(jobId);
  return reply.status(error.status).headers(error.headers).send(error.toBody());
}
