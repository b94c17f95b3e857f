import { createHash } from 'node:crypto';
import pg from 'pg';

/** What the lock reports about its own connection (the composition root passes its logger). */
export interface InstanceLockLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface InstanceLockOptions {
  url: string;
  /** The PostgreSQL schema the gateway works in: instances of other schemas never see this one's locks. */
  schema?: string;
  instanceId: string;
  log: InstanceLockLog;
  /** How long `start` keeps trying for a lock another session holds (an operator-set id still in use). */
  acquireTimeoutMs?: number;
  /** Wait before reconnecting after the connection dropped. */
  reconnectMs?: number;
}

/** A non-negative 31-bit key, so PostgreSQL's `oid` columns in `pg_locks` show it as the same number. */
function key31(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) & 0x7fffffff;
}

/** The advisory-lock key pair of one instance: the schema's key and the instance's key. */
export function instanceLockKeys(schema: string | undefined, instanceId: string): [number, number] {
  return [key31(`mediagate:${schema ?? 'public'}`), key31(instanceId)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An instance's liveness, held by PostgreSQL: a session advisory lock on a connection of its own.
 * The server drops the lock the moment that session ends: at once when the process dies (its socket
 * is closed), within about 11 s of TCP keep-alives when its machine vanishes without a word. A live
 * process that is merely slow (event loop blocked, SIGSTOP) keeps it: its kernel still answers. So "is instance X alive" is a read of `pg_locks`, not a guess from
 * a lease's age.
 *
 * The same connection LISTENs on this schema's handover channel: a stopping instance says so, and
 * the others look for the jobs it released at once. (Job progress events have their own listener.)
 *
 * When the connection drops, the lock is gone with it: the instance reconnects, takes its lock
 * again and tells `onRegained` listeners, who re-check which jobs they still hold — meanwhile
 * another instance may have taken them over, and the lease checks keep a job from being driven by
 * both for longer than one renewal.
 */
export class InstanceLock {
  private client?: pg.Client;
  private closed = false;
  private readonly keys: [number, number];
  private readonly channel: string;
  private readonly handoverListeners: ((from: string) => void)[] = [];
  private readonly regainedListeners: (() => void)[] = [];
  /** Whether this instance holds its lock now (false while reconnecting). */
  held = false;

  constructor(private readonly options: InstanceLockOptions) {
    this.keys = instanceLockKeys(options.schema, options.instanceId);
    this.channel = `mediagate_handover_${options.schema ?? 'public'}`;
  }

  /** Connects and takes this instance's lock; fails when another live session holds it (the same id twice). */
  async start(): Promise<void> {
    const deadline = Date.now() + (this.options.acquireTimeoutMs ?? 15_000);
    for (;;) {
      if (await this.connectAndLock()) return;
      if (Date.now() > deadline)
        throw new Error(
          `Instance id "${this.options.instanceId}" is in use by another live instance on this database; give each instance its own MEDIAGATE_INSTANCE_ID.`,
        );
      await sleep(500);
    }
  }

  /** Of `ids`, the instances whose lock is held now; throws when the database cannot be asked. */
  async liveAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const client = this.client;
    if (!client || !this.held) throw new Error('the instance lock connection is down');
    const byKey = new Map(ids.map((id) => [instanceLockKeys(this.options.schema, id)[1], id]));
    const { rows } = await client.query<{ objid: string }>(
      `SELECT objid::bigint AS objid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid::bigint = $1 AND objid::bigint = ANY($2::bigint[])`,
      [this.keys[0], [...byKey.keys()]],
    );
    const live = new Set<string>();
    for (const row of rows) {
      const id = byKey.get(Number(row.objid));
      if (id !== undefined) live.add(id);
    }
    return live;
  }

  /** Tells every instance on this schema that this one released its jobs. */
  async announceHandover(): Promise<void> {
    await this.client?.query('SELECT pg_notify($1, $2)', [this.channel, this.options.instanceId]);
  }

  onHandover(listener: (from: string) => void): void {
    this.handoverListeners.push(listener);
  }

  onRegained(listener: () => void): void {
    this.regainedListeners.push(listener);
  }

  /** Ends the session, which releases the lock. */
  async close(): Promise<void> {
    this.closed = true;
    this.held = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connectAndLock(): Promise<boolean> {
    // Keep-alives on both ends: a machine that vanishes without closing its socket (power lost, cable
    // cut) is noticed by the server in about 11 s instead of hours, and this end notices a dead server.
    const client = new pg.Client({
      connectionString: this.options.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    });
    // A dropped connection is an 'error' event; without a handler it would end the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== this.channel || message.payload === this.options.instanceId) return;
      for (const listener of this.handoverListeners) listener(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query('SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3');
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
        ...this.keys,
      ]);
      if (!rows[0]?.locked) {
        await client.end().catch(() => {});
        return false;
      }
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return true;
    }
    this.client = client;
    this.held = true;
    return true;
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    this.held = false;
    client.end().catch(() => {});
    this.options.log.warn(
      { err },
      'instance lock connection lost; other instances may take over its jobs; reconnecting',
    );
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    while (!this.closed) {
      await sleep(this.options.reconnectMs ?? 500);
      if (this.closed) return;
      try {
        if (await this.connectAndLock()) {
          this.options.log.info({}, 'instance lock taken again');
          for (const listener of this.regainedListeners) listener();
          return;
        }
      } catch (err) {
        this.options.log.warn({ err }, 'instance lock reconnect failed; retrying');
      }
    }
  }
}
