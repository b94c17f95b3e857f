import type { MediaKind } from '../catalog/types.js';
import type { ProtocolEntry } from './types.js';

/** Jobs at once on a channel whose upstream polls tasks: each costs the gateway a task id, not a connection. */
export const TASK_CONCURRENCY = 200;
/** Jobs at once on a channel whose upstream holds a call open per job (synchronous image APIs, streamed answers). */
export const CALL_CONCURRENCY = 16;

/**
 * A channel's concurrency when its configuration names none, by its upstream's kind: many when
 * every model it serves is a task the protocol polls, few as soon as one holds a call open (a
 * channel serving both is bounded by the calls).
 */
export function defaultConcurrency(protocol: ProtocolEntry, servedKinds: Iterable<MediaKind>): number {
  for (const kind of servedKinds) if (!protocol.polls.includes(kind)) return CALL_CONCURRENCY;
  return TASK_CONCURRENCY;
}
