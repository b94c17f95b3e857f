import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import type { InstanceRegistry } from './instance-registry.js';
import { type InstanceLiveness, Takeover } from './takeover.js';
import type { JobRecord, JobStore } from './types.js';
import { TERMINAL_STATUSES } from './types.js';

export interface LeaseKeeperDeps {
  store: JobStore;
  instanceId: string;
  settings: Config['jobs'];
  log: FastifyBaseLogger;
  /** Runs a job this instance holds the lease on, until it ends here (or `signal` aborts). */
  drive(job: JobRecord, signal: AbortSignal): Promise<void>;
  /** A job `drive` threw on: it is failed with an internal error. */
  crashed(job: JobRecord, err: unknown): Promise<void>;
  /**
   * PostgreSQL: liveness by session lock. A dead instance's jobs are taken at once, a live one's
   * never (however late its renewals), and a stop's released jobs are picked up when it says so.
   * Absent (SQLite, one process): leases alone decide, as their expiry is the only sign of a death.
   */
  cluster?: { registry: InstanceRegistry; liveness: InstanceLiveness };
}

/** Jobs asked for per orphan scan. */
const ORPHAN_PAGE = 200;

/**
 * Which jobs this instance runs: it claims them, keeps their leases alive, adopts the jobs of
 * instances that died (lock gone, or lease expired where no lock tells), and stops driving a job
 * whose lease went to another instance.
 *
 * When this instance's own lock connection drops, the others may take its jobs over before it has
 * its lock again. Nothing is driven twice for long: once the lock is back the leases are checked at
 * once (and every renewal checks them), and a job whose lease went elsewhere stops here. Nothing is
 * submitted twice: the submission is marked under the lease (`markSubmitting`), so the taker finds
 * either no submission, or a marked one that it recovers instead of sending again.
 */
export class LeaseKeeper {
  private readonly active = new Map<string, AbortController>();
  /** The drives under way, so a stop can let their last writes (rows, stored media) finish. */
  private readonly driving = new Set<Promise<void>>();
  private leaseTimer?: NodeJS.Timeout;
  private orphanTimer?: NodeJS.Timeout;
  private takeoverTimer?: NodeJS.Timeout;
  private readonly takeover?: Takeover;
  private stopped = false;
  /** Whether a scan has run since start: only the first reclaims this identity's unexpired leases. */
  private scannedOnce = false;

  constructor(private readonly deps: LeaseKeeperDeps) {
    const { cluster, store, instanceId, settings, log } = deps;
    if (cluster)
      this.takeover = new Takeover({
        ...cluster,
        store,
        instanceId,
        leaseMs: settings.leaseMs,
        log,
        adopt: (job) => this.adopt(job),
      });
  }

  start(): void {
    const { leaseMs, orphanScanIntervalMs, takeoverScanMs } = this.deps.settings;
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(leaseMs / 3)));
    this.orphanTimer = setInterval(() => void this.adoptOrphans(), orphanScanIntervalMs);
    this.leaseTimer.unref();
    this.orphanTimer.unref();
    const cluster = this.deps.cluster;
    if (cluster) {
      this.takeoverTimer = setInterval(() => void this.takeOverDead(), takeoverScanMs);
      this.takeoverTimer.unref();
      cluster.liveness.onHandover((from) => {
        this.deps.log.info({ from }, 'another instance handed its jobs over; looking for them now');
        void this.takeReleased();
      });
      cluster.liveness.onRegained(() => void this.renewLeases());
    }
    void this.adoptOrphans();
  }

  /**
   * Stops driving jobs, waits for the drives to return (a write under way finishes; an aborted drive
   * leaves its job resumable), then releases their leases so the next instance resumes them at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.orphanTimer);
    clearInterval(this.takeoverTimer);
    const ids = [...this.active.keys()];
    for (const controller of this.active.values()) controller.abort();
    await Promise.allSettled([...this.driving]);
    if (ids.length === 0) return;
    // Released, not merely expired: a live instance's expired leases are not taken, these must be.
    await this.deps.store.releaseLeases(this.deps.instanceId, ids).catch(() => {});
    await this.deps.cluster?.liveness
      .announceHandover()
      .catch((err) =>
        this.deps.log.warn({ err }, 'could not announce the handover; the others find the jobs on their next scan'),
      );
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  get activeCount(): number {
    return this.active.size;
  }

  isActive(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /** Stops driving `jobId` here (a cancel); the job's row is someone else's business. */
  abort(jobId: string): void {
    this.active.get(jobId)?.abort();
  }

  /** Claims the job (unless `claimed`, created with this instance's lease already) and drives it. */
  async run(jobId: string, claimed?: JobRecord): Promise<void> {
    if (this.stopped || this.active.has(jobId)) return;
    const drive = this.claimAndDrive(jobId, claimed);
    this.driving.add(drive);
    try {
      await drive;
    } finally {
      this.driving.delete(drive);
    }
  }

  private async claimAndDrive(jobId: string, claimed?: JobRecord): Promise<void> {
    // Reserve the id before the first await, so a scan running meanwhile cannot drive it twice.
    const controller = new AbortController();
    this.active.set(jobId, controller);
    const { store, instanceId, settings } = this.deps;
    let job: JobRecord | null = null;
    try {
      job = claimed ?? (await store.claim(jobId, instanceId, Date.now(), settings.leaseMs));
      if (job) await this.deps.drive(job, controller.signal);
    } catch (err) {
      if (job) await this.deps.crashed(job, err).catch(() => {});
    } finally {
      this.active.delete(jobId);
    }
  }

  /** Renews every lease held; a job whose lease another instance took meanwhile stops here at once. */
  private async renewLeases(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      const held = new Set(
        await this.deps.store.renewLeases(this.deps.instanceId, ids, Date.now(), this.deps.settings.leaseMs),
      );
      for (const id of ids) {
        if (held.has(id) || !this.active.has(id)) continue;
        // Ended meanwhile (its row is terminal), or taken over: either way there is nothing left to do here.
        this.active.get(id)?.abort();
        const status = await this.deps.store.statusOf(id);
        if (status && !TERMINAL_STATUSES.includes(status))
          this.deps.log.warn({ jobId: id }, 'job lease lost; this instance stops driving the job');
      }
    } catch (err) {
      this.deps.log.error({ err }, 'could not renew job leases');
    }
  }

  /** A job taken from a dead instance: driven here, or released again when this instance is stopping. */
  private adopt(job: JobRecord): void {
    if (this.stopped) {
      void this.deps.store.releaseLeases(this.deps.instanceId, [job.id]).catch(() => {});
      return;
    }
    this.deps.log.info({ jobId: job.id, hasOperation: job.operation !== null }, 'resuming job');
    void this.run(job.id, job);
  }

  private async takeOverDead(): Promise<void> {
    // A scan still under way is joined, not doubled (Takeover.scan runs one at a time).
    if (this.stopped || !this.takeover) return;
    try {
      await this.takeover.scan();
    } catch (err) {
      this.deps.log.warn({ err }, 'dead-instance scan failed');
    }
  }

  private async takeReleased(): Promise<void> {
    if (this.stopped || !this.takeover) return;
    try {
      await this.takeover.takeReleased();
    } catch (err) {
      this.deps.log.warn({ err }, 'could not take the released jobs; the orphan scan finds them');
    }
  }

  private async adoptOrphans(): Promise<void> {
    if (this.stopped) return;
    try {
      // Where liveness is known, a live instance's expired leases stay its own (it is slow, not dead);
      // when it cannot be read (this instance's lock is down) nothing is taken by expiry this time.
      const liveOwners = this.takeover ? await this.takeover.scan() : [];
      // After the first scan every job this process holds is in `active`; asking for them again would
      // fill the page with running jobs and starve real orphans once 200 or more are in flight.
      const owner = this.scannedOnce ? undefined : this.deps.instanceId;
      this.scannedOnce = true;
      const orphans = await this.deps.store.findOrphaned(Date.now(), ORPHAN_PAGE, owner, liveOwners);
      for (const job of orphans) {
        if (TERMINAL_STATUSES.includes(job.status) || this.active.has(job.id)) continue;
        this.deps.log.info({ jobId: job.id, hasOperation: job.operation !== null }, 'resuming job');
        void this.run(job.id);
      }
    } catch (err) {
      this.deps.log.error({ err }, 'orphan scan failed');
    }
  }
}
