import pg from 'pg';

export interface PgListenerOptions {
  url: string;
  /** Channel name, already unique to this database schema (instances of different schemas share one server). */
  channel: string;
  onMessage(payload: string): void;
  /**
   * The session is listening again after a disconnect: whatever was notified meanwhile is lost, so the
   * caller re-reads what it needs from the tables.
   */
  onReconnected(): void;
  /** The session failed; `attempt` counts the reconnections tried since it last listened (1 for the first). */
  onError(err: unknown, attempt: number): void;
}

/** Waits after a lost session: doubling from 250 ms up to 5 s, so a restarting server is not hammered. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** PostgreSQL channel names are identifiers: at most 63 bytes. */
export const pgChannelName = (prefix: string, schema: string | undefined) =>
  `${prefix}_${schema ?? 'public'}`.slice(0, 63);

/**
 * One dedicated session that `LISTEN`s on a channel, kept apart from the query pool (a pooled
 * connection would be handed to other queries and lose its LISTEN). Whenever the session dies — the
 * server restarts, an operator terminates it, the network drops — it reconnects with backoff and
 * listens again, for as long as it is not closed.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(private readonly options: PgListenerOptions) {}

  /** Resolves after the first attempt, listening or not: a failed first attempt keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'mediagate-events' });
    let lost = false;
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => {});
      if (this.closed) return;
      this.scheduleRetry();
      if (err) this.options.onError(err, this.attempt);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload) this.options.onMessage(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
    } catch (err) {
      onLost(err);
      return;
    }
    if (lost || this.closed) {
      await client.end().catch(() => {});
      return;
    }
    const reconnected = this.attempt > 0;
    this.attempt = 0;
    this.client = client;
    if (reconnected) this.options.onReconnected();
  }

  private scheduleRetry(): void {
    this.attempt++;
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.attempt - 1));
    // Jitter, so instances that lost the server together do not all come back in the same instant.
    const wait = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), wait);
    this.retryTimer.unref();
  }
}
