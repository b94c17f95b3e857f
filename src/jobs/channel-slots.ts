import { sql, type Kysely, type Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';
import type { Channel } from '../providers/channel.js';

const ACTIVE = ['queued', 'running'];

/** How often a channel with waiting jobs asks the database for room freed by other instances. */
export const SLOT_RECHECK_MS = 1_000;

interface Waiter {
  wake(): void;
  /** When the job stops waiting anyway (its start deadline), so it can fail instead of waiting on. */
  deadline: number;
}

/**
 * A channel's concurrency limit for the whole cluster: the slots are the jobs rows whose
 * `slot_channel` names the channel, so every instance on the database counts the same ones.
 *
 * A job holds its slot while its task may exist upstream — from taking it until the job ends (the
 * terminal UPDATE clears it) or its submission certainly was not accepted. So a slot outlives the
 * instance that took it: a crashed or stopped instance's running tasks still count until another
 * instance resumes them or they end, and a job that failed over holds a slot on its new channel
 * only. (A dead instance's job that had its slot but was not yet submitted counts too, until it is
 * adopted: erring on the side of the upstream.)
 *
 * Taking a slot is one transaction serialised per channel — an advisory lock on PostgreSQL whose
 * key includes the schema (gateways in other schemas never wait on each other); SQLite's driver
 * runs one transaction at a time — so two instances never both take the last slot. The count reads
 * a partial index of the holders alone. Here, takers of one channel queue behind each other, so a
 * burst of jobs occupies one database connection, not the whole pool, while it waits for the lock.
 *
 * Jobs waiting for room queue per channel. A slot freed here wakes the first one at once; slots
 * freed elsewhere are seen by one loop per channel, which runs while jobs wait and wakes as many
 * as there is room for (no timer per job).
 */
export class ChannelSlots {
  private readonly waiting = new Map<Channel, Waiter[]>();
  private readonly loops = new Map<Channel, NodeJS.Timeout>();
  /** Per channel: the take the next one waits for. */
  private readonly taking = new Map<Channel, Promise<unknown>>();

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly options: {
      dialect: 'sqlite' | 'postgres';
      /** This instance's lease owner id: a job another instance adopted is that instance's to release. */
      instanceId: string;
      recheckMs?: number;
    },
  ) {}

  /** Takes a slot on `channel` for the job when the cluster holds fewer than its limit; false when full. */
  async tryTake(channel: Channel, jobId: string): Promise<boolean> {
    const before = this.taking.get(channel) ?? Promise.resolve();
    const mine = before.then(() => this.take(channel, jobId));
    const settled = mine.catch(() => undefined);
    this.taking.set(channel, settled);
    try {
      return await mine;
    } finally {
      if (this.taking.get(channel) === settled) this.taking.delete(channel);
    }
  }

  private async take(channel: Channel, jobId: string): Promise<boolean> {
    // This instance's holders are some of the cluster's: a full count here needs no database.
    if (channel.running >= channel.settings.concurrency) return false;
    const taken = await this.db.transaction().execute(async (trx) => {
      if (this.options.dialect === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext('mediagate.channel_slots'), hashtext(current_schema() || '/' || ${channel.name}))`.execute(
          trx,
        );
      const own = await trx.selectFrom('jobs').select('slot_channel').where('id', '=', jobId).executeTakeFirst();
      // A job adopted after a crash may still hold this very slot: it is not counted against itself.
      const others = (await holders(trx, channel.name)) - (own?.slot_channel === channel.name ? 1 : 0);
      if (others >= channel.settings.concurrency) return false;
      await trx.updateTable('jobs').set({ slot_channel: channel.name }).where('id', '=', jobId).execute();
      return true;
    });
    if (taken) channel.acquire();
    return taken;
  }

  /** Counts a job whose task already runs upstream (resumed, or found after an interrupted submission), limit or not. */
  async hold(channel: Channel, jobId: string): Promise<void> {
    await this.db.updateTable('jobs').set({ slot_channel: channel.name }).where('id', '=', jobId).execute();
    channel.acquire();
  }

  /**
   * The job stopped running here. Its slot is given back when the job ended or its task certainly
   * does not exist upstream; a task still running (a stop, a lost lease) keeps it for whoever resumes it.
   */
  async release(channel: Channel, jobId: string): Promise<void> {
    channel.release();
    try {
      await this.db
        .updateTable('jobs')
        .set({ slot_channel: null })
        .where('id', '=', jobId)
        .where('slot_channel', '=', channel.name)
        .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', this.options.instanceId)]))
        .where((eb) =>
          eb.or([
            eb('status', 'not in', ACTIVE),
            eb.and([eb('operation', 'is', null), eb('submitted_at', 'is', null)]),
          ]),
        )
        .execute();
    } finally {
      this.wake(channel, 1);
    }
  }

  /**
   * Resolves when one of `channels` may have room (a slot freed here, or the loop saw room), at
   * `deadline`, or when `signal` aborts. The caller tries to take a slot again.
   */
  waitForRoom(channels: readonly Channel[], deadline: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        deadline,
        wake: () => {
          signal.removeEventListener('abort', waiter.wake);
          for (const channel of channels) this.forget(channel, waiter);
          resolve();
        },
      };
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', waiter.wake, { once: true });
      for (const channel of channels) {
        const queue = this.waiting.get(channel) ?? [];
        queue.push(waiter);
        this.waiting.set(channel, queue);
        this.loop(channel);
      }
    });
  }

  /** Stops the loops; waiting jobs are released by their own abort signals. */
  stop(): void {
    for (const timer of this.loops.values()) clearInterval(timer);
    this.loops.clear();
  }

  private loop(channel: Channel): void {
    if (this.loops.has(channel)) return;
    const timer = setInterval(() => void this.recheck(channel), this.options.recheckMs ?? SLOT_RECHECK_MS);
    timer.unref();
    this.loops.set(channel, timer);
  }

  private async recheck(channel: Channel): Promise<void> {
    const queue = this.waiting.get(channel);
    if (!queue || queue.length === 0) {
      clearInterval(this.loops.get(channel));
      this.loops.delete(channel);
      return;
    }
    const now = Date.now();
    for (const waiter of queue.filter((w) => w.deadline <= now)) waiter.wake();
    try {
      const room = channel.settings.concurrency - (await holders(this.db, channel.name));
      this.wake(channel, room);
    } catch {
      // The database is away for a moment: every waiter tries again and meets the error itself.
      this.wake(channel, Number.POSITIVE_INFINITY);
    }
  }

  private wake(channel: Channel, count: number): void {
    const queue = this.waiting.get(channel);
    if (!queue) return;
    for (const waiter of queue.slice(0, Math.max(0, count))) waiter.wake();
  }

  private forget(channel: Channel, waiter: Waiter): void {
    const queue = this.waiting.get(channel);
    const index = queue?.indexOf(waiter) ?? -1;
    if (queue && index >= 0) queue.splice(index, 1);
  }
}

/** Jobs holding a slot on the channel, from the partial index of holders. */
async function holders(db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, channel: string): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('slot_channel', '=', channel)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
