import type { Channel } from '../providers/channel.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { JobRecord } from './types.js';

/** A channel key as a job uses it: its fingerprint (null on keyless channels) and its value. */
export interface JobKey {
  id: string | null;
  key: string;
}

/**
 * The channel a job runs on, held from its submission (or resume) to its end: the route, a slot of
 * the channel's concurrency, and the key that created the task (tasks are polled with it).
 */
export interface HeldChannel {
  route: Route;
  key: JobKey;
}

/**
 * The key a job's task belongs to. Keyless channels (a proxy, the sandbox) authenticate with
 * nothing; a key no longer configured (after a restart) is replaced by the next one.
 */
export function keyForTask(channel: Channel, keyId: string | null): JobKey {
  if (channel.settings.keys.length === 0) return { id: null, key: '' };
  return channel.keys.byId(keyId) ?? channel.keys.next() ?? { id: null, key: '' };
}

/** A fresh key for a new submission, in turn; undefined when the upstream refused every key. */
export function keyForSubmission(channel: Channel): JobKey | undefined {
  if (channel.settings.keys.length === 0) return { id: null, key: '' };
  return channel.keys.next();
}

/** The route of the channel the job was recorded on, if that channel is still configured. */
export function recordedRoute(channels: ChannelRegistry, job: Pick<JobRecord, 'channel' | 'model'>): Route | undefined {
  return job.channel ? channels.routeOn(job.channel, job.model) : undefined;
}
