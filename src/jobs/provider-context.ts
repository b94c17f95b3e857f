import type { Metrics } from '../metrics/index.js';
import type { Route } from '../providers/registry.js';
import { clientReferenceOf } from '../providers/submission-reference.js';
import type { ProviderContext } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import type { JobEvents } from './events.js';

/**
 * Builds what a provider sees of the gateway for one job, and remembers the progress a provider
 * reported while its `start` was still running (streaming relays), for the poll loop to continue from.
 */
export class ProviderContexts {
  private readonly startProgress = new Map<string, number>();

  constructor(private readonly deps: { media: MediaStore; events: JobEvents; metrics?: Metrics }) {}

  for(jobId: string, route: Route, apiKey: string, signal: AbortSignal): ProviderContext {
    const { media, events, metrics } = this.deps;
    return {
      upstreamModel: route.upstreamModel,
      http: route.channel.http(apiKey, metrics),
      readReference: (key) => media.read(key),
      storeOutput: async (data, contentType) => {
        const stored = await media.put(data, contentType);
        return { type: 'stored', key: stored.key, bytes: stored.bytes };
      },
      reportProgress: (progress) => {
        const value = Math.min(99, Math.max(0, Math.floor(progress)));
        const last = this.startProgress.get(jobId) ?? 0;
        if (value <= last) return;
        this.startProgress.set(jobId, value);
        events.publish({ type: 'progress', jobId, progress: value, at: Date.now() });
      },
      clientReference: clientReferenceOf(jobId),
      signal,
    };
  }

  /** The progress reported during `start`, handed over once: the poll loop owns it from then on. */
  takeStartProgress(jobId: string): number {
    const value = this.startProgress.get(jobId) ?? 0;
    this.startProgress.delete(jobId);
    return value;
  }

  forget(jobId: string): void {
    this.startProgress.delete(jobId);
  }
}
