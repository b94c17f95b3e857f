import type { FastifyBaseLogger } from 'fastify';
import { operationStatus } from '../providers/completed-operation.js';
import type { BatchedTask, OperationStatus, Provider, ProviderContext } from '../providers/types.js';
import { loggableError } from './loggable-error.js';

/** After a list read fails, the channel's tasks are read one by one for this long before the list is tried again. */
export const LIST_RETRY_AFTER_MS = 5 * 60_000;
/** Fewer tasks than this due together are read one by one: a list page would cost as much. */
const MIN_BATCH = 2;

type Task = Omit<BatchedTask, 'wanted'>;

interface Waiting {
  jobId: string;
  task: Task;
  ctx: ProviderContext;
  resolve(status: OperationStatus): void;
  reject(err: unknown): void;
}

interface Watch {
  task: Task;
  /** Whether the job would use a status now (it heard one recently): a listed task not asked about is not read. */
  interested(): boolean;
  /** A status of the task seen on a list page read for other tasks (its poll was not due). */
  seen(status: OperationStatus): void;
}

interface Group {
  provider: Provider;
  ctx: ProviderContext;
  waiting: Waiting[];
}

/**
 * Status reads of tasks that come due together on one channel and key, answered by one list read
 * where the provider has one (`Provider.statusMany`). Tasks the list did not show, and every task
 * when the list fails, are read with the provider's `status`, each with its own job's context, so
 * a job sees exactly the answers and errors a single read would give it. Jobs polled here also
 * `watch` their task: when it shows up on a page read for others, they hear its status at once.
 */
export class StatusBatcher {
  private readonly groups = new Map<string, Group>();
  /** Groups whose list read is under way: tasks coming due meanwhile wait for the next one. */
  private readonly reading = new Set<string>();
  private readonly watches = new Map<string, Map<string, Watch>>();
  private readonly listFailedAt = new Map<string, number>();

  constructor(private readonly deps: { log: FastifyBaseLogger; now?: () => number }) {}

  /** True when `group`'s tasks are currently read through the list: its polls should come due together. */
  batches(group: string, provider: Provider): boolean {
    if (!provider.statusMany) return false;
    const failedAt = this.listFailedAt.get(group);
    return failedAt === undefined || this.now() - failedAt >= LIST_RETRY_AFTER_MS;
  }

  /** Hears `jobId`'s task status from list reads made for other tasks; returns the function that stops it. */
  watch(
    group: string,
    jobId: string,
    task: Task,
    seen: (status: OperationStatus) => void,
    interested: () => boolean,
  ): () => void {
    const watches = this.watches.get(group) ?? new Map<string, Watch>();
    this.watches.set(group, watches);
    watches.set(jobId, { task, seen, interested });
    return () => {
      watches.delete(jobId);
      if (watches.size === 0 && this.watches.get(group) === watches) this.watches.delete(group);
    };
  }

  /** `group` names the channel and key the task was created with (a list shows one account's tasks). */
  status(group: string, jobId: string, provider: Provider, task: Task, ctx: ProviderContext): Promise<OperationStatus> {
    if (!this.batches(group, provider)) return operationStatus(provider, task.operation, task.request, ctx);
    return new Promise((resolve, reject) => {
      let pending = this.groups.get(group);
      if (!pending) {
        pending = { provider, ctx, waiting: [] };
        this.groups.set(group, pending);
        // Every job the scheduler woke in this turn has asked by then. One read at a time per
        // group: while one runs, the next collects everything that comes due, which also bounds
        // the list's call rate however many tasks there are.
        if (!this.reading.has(group)) setImmediate(() => void this.flush(group));
      }
      pending.waiting.push({ jobId, task, ctx, resolve, reject });
    });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private async flush(name: string): Promise<void> {
    const group = this.groups.get(name);
    this.groups.delete(name);
    if (!group) return;
    this.reading.add(name);
    try {
      await this.read(name, group);
    } finally {
      this.reading.delete(name);
      if (this.groups.has(name)) setImmediate(() => void this.flush(name));
    }
  }

  private async read(name: string, group: Group): Promise<void> {
    const { provider, waiting } = group;
    let found = new Map<number, OperationStatus>();
    let bystanders: Watch[] = [];
    if (waiting.length >= MIN_BATCH && provider.statusMany) {
      const due = new Set(waiting.map((w) => w.jobId));
      bystanders = [...(this.watches.get(name) ?? new Map<string, Watch>())]
        .filter(([jobId, watch]) => !due.has(jobId) && watch.interested())
        .map(([, watch]) => watch);
      try {
        found = await provider.statusMany(
          [
            ...waiting.map((w) => ({ ...w.task, wanted: true })),
            ...bystanders.map((b) => ({ ...b.task, wanted: false })),
          ],
          { ...group.ctx, signal: undefined },
        );
      } catch (err) {
        this.listFailedAt.set(name, this.now());
        this.deps.log.warn(
          { err: loggableError(err), group: name, tasks: waiting.length },
          'task list read failed; reading tasks one by one',
        );
      }
    }
    for (const [i, status] of found) if (i >= waiting.length) bystanders[i - waiting.length].seen(status);
    // Single reads of the tasks the list missed do not hold up the group's next list read.
    void Promise.all(
      waiting.map(async (w, i) => {
        const status = found.get(i);
        if (status) return w.resolve(status);
        try {
          w.resolve(await operationStatus(provider, w.task.operation, w.task.request, w.ctx));
        } catch (err) {
          w.reject(err);
        }
      }),
    );
  }
}
