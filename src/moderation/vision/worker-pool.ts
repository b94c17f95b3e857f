import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import type { VisionTask, WorkerReply } from './protocol.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface PoolWorker {
  thread: Worker;
  pending: Map<number, Pending>;
}

export class VisionWorkerError extends Error {}

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles: { text: string }[] };
}

let sourceWorkerCode: string | undefined;

/**
 * Run from TypeScript sources (tests, tsx), worker.ts is bundled once per process with the esbuild
 * that tsx brings, into a script the worker evaluates: half the start-up cost of registering tsx
 * inside every worker. Falls back to registering tsx when esbuild cannot be found.
 */
function workerCodeFromSources(entry: URL): string {
  if (sourceWorkerCode !== undefined) return sourceWorkerCode;
  const require = createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  try {
    const esbuild = createRequire(tsxPackage)('esbuild') as Esbuild;
    const bundle = esbuild.buildSync({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
      define: { 'import.meta.url': JSON.stringify(entry.href) },
    }).outputFiles[0].text;
    // Packages resolve from the worker's source folder, wherever the process was started.
    sourceWorkerCode = `(function (require) {\n${bundle}\n})(require('node:module').createRequire(${JSON.stringify(fileURLToPath(entry))}));`;
  } catch {
    const tsx = pathToFileURL(join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs')).href;
    sourceWorkerCode = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  }
  return sourceWorkerCode;
}

/** Starts a vision worker: worker.js next to this file once compiled, worker.ts from sources. */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here));
  return new Worker(workerCodeFromSources(new URL('./worker.ts', here)), { eval: true });
}

/**
 * A few worker threads that run model inference off the main event loop. Threads start on first
 * use and load their model then; a thread that crashes or times out is dropped and replaced by the
 * next task. Idle threads do not keep the process alive.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: { name: string; size: number; timeoutMs: number }) {}

  get started(): number {
    return this.workers.length;
  }

  run<T>(task: VisionTask, transfer: Transferable[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new VisionWorkerError(`the ${this.options.name} workers are shut down`));
    const worker = this.pick();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.discard(
            worker,
            new VisionWorkerError(`the ${this.options.name} check took longer than ${this.options.timeoutMs} ms`),
          ),
        this.options.timeoutMs,
      );
      worker.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      worker.thread.ref();
      worker.thread.postMessage({ id, task }, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers.splice(0);
    for (const worker of workers)
      this.rejectAll(worker, new VisionWorkerError(`the ${this.options.name} workers are shutting down`));
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
  }

  /** The least busy thread, starting another while the pool is below its size. */
  private pick(): PoolWorker {
    const idle = this.workers.find((w) => w.pending.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.options.size) return this.start();
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private start(): PoolWorker {
    const worker: PoolWorker = { thread: spawnWorker(), pending: new Map() };
    worker.thread.unref();
    worker.thread.on('message', (reply: WorkerReply) => {
      const pending = worker.pending.get(reply.id);
      if (!pending) return;
      worker.pending.delete(reply.id);
      clearTimeout(pending.timer);
      if (worker.pending.size === 0) worker.thread.unref();
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new VisionWorkerError(reply.error));
    });
    worker.thread.on('error', (err) =>
      this.discard(worker, new VisionWorkerError(`the ${this.options.name} worker failed: ${err.message}`)),
    );
    worker.thread.on('exit', (code) =>
      this.discard(worker, new VisionWorkerError(`the ${this.options.name} worker exited (${code})`)),
    );
    this.workers.push(worker);
    return worker;
  }

  private discard(worker: PoolWorker, error: Error): void {
    const at = this.workers.indexOf(worker);
    if (at >= 0) this.workers.splice(at, 1);
    this.rejectAll(worker, error);
    void worker.thread.terminate();
  }

  private rejectAll(worker: PoolWorker, error: Error): void {
    for (const pending of worker.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    worker.pending.clear();
  }
}
