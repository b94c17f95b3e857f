import type { FastifyBaseLogger } from 'fastify';
import type { InstanceRegistry } from './instance-registry.js';
import type { JobRecord, JobStore } from './types.js';

/** What tells whether an instance is alive: its session lock (src/db/instance-lock.ts). */
export interface InstanceLiveness {
  /** Of `ids`, the instances alive now; throws when it cannot tell (this instance's own lock is down). */
  liveAmong(ids: readonly string[]): Promise<Set<string>>;
  /** Tells the other instances that this one released its jobs (a stop). */
  announceHandover(): Promise<void>;
  onHandover(listener: (from: string) => void): void;
  /** This instance's lock was lost and is held again. */
  onRegained(listener: () => void): void;
}

export interface TakeoverDeps {
  store: JobStore;
  registry: InstanceRegistry;
  liveness: InstanceLiveness;
  instanceId: string;
  leaseMs: number;
  log: FastifyBaseLogger;
  /** Drives a job this instance has just taken. */
  adopt(job: JobRecord): void;
}

/** Jobs taken per statement, so several live instances share a dead one's jobs. */
const TAKEOVER_PAGE = 500;

/**
 * Takes over the jobs of instances that died, as soon as their lock is gone, whatever their leases
 * say: a process killed with its jobs in flight has them resumed elsewhere within one scan. A slow
 * instance keeps its lock, so it keeps its jobs however late its lease renewals are.
 */
export class Takeover {
  /** The scan under way: two at once would unlist a dead instance while the other still takes its jobs. */
  private scanning?: Promise<string[]>;

  constructor(private readonly deps: TakeoverDeps) {}

  /**
   * Takes the jobs of every listed instance whose lock is gone, and answers the other instances
   * alive now (whose jobs no lease-expiry scan may take). Throws when liveness cannot be read.
   */
  scan(): Promise<string[]> {
    this.scanning ??= this.scanOnce().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<string[]> {
    const { registry, liveness, instanceId } = this.deps;
    const others = await registry.others(instanceId);
    if (others.length === 0) return [];
    const live = await liveness.liveAmong(others.map((o) => o.id));
    for (const dead of others) {
      if (live.has(dead.id)) continue;
      await this.takeAll(dead.id);
      await registry.forget(dead.id, dead.startedAt);
    }
    return [...live];
  }

  /**
   * Takes the jobs nobody holds (a stopping instance released them), page by page: every instance
   * told of the handover does this at once, and each page's jobs go to one of them.
   */
  async takeReleased(): Promise<void> {
    await this.takeAll(null);
  }

  private async takeAll(dead: string | null): Promise<void> {
    const { store, instanceId, leaseMs, log, adopt } = this.deps;
    for (;;) {
      const jobs = await store.takeOver(dead, instanceId, Date.now(), leaseMs, TAKEOVER_PAGE);
      if (jobs.length > 0)
        log.info(
          { from: dead, jobs: jobs.length },
          dead === null ? 'taking over released jobs' : 'taking over the jobs of an instance that died',
        );
      for (const job of jobs) adopt(job);
      if (jobs.length < TAKEOVER_PAGE) return;
    }
  }
}
