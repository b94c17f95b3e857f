/**
 * Upstreams spell task states many ways. Every spelling maps to one of these, and the terminal
 * ones that are easy to miss (expired, not found, moderated) are terminal here too, so no job
 * waits for a timeout because a word was not recognised.
 */
export type NormalStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'expired'
  | 'not_found'
  | 'moderated'
  | 'unknown';

const WORDS: Record<string, NormalStatus> = {
  queued: 'queued',
  queueing: 'queued',
  pending: 'queued',
  submitted: 'queued',
  preparing: 'queued',
  waiting: 'queued',
  throttled: 'queued',
  created: 'queued',
  scheduled: 'queued',
  suspended: 'queued',
  not_started: 'queued',
  running: 'running',
  in_progress: 'running',
  processing: 'running',
  generating: 'running',
  started: 'running',
  active: 'running',
  completed: 'succeeded',
  complete: 'succeeded',
  succeeded: 'succeeded',
  succeed: 'succeeded',
  success: 'succeeded',
  successful: 'succeeded',
  ready: 'succeeded',
  done: 'succeeded',
  finished: 'succeeded',
  failed: 'failed',
  fail: 'failed',
  failure: 'failed',
  error: 'failed',
  errored: 'failed',
  rejected: 'failed',
  refused: 'failed',
  aborted: 'cancelled',
  terminated: 'cancelled',
  deleted: 'cancelled',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  expired: 'expired',
  timeout: 'expired',
  timed_out: 'expired',
  task_not_found: 'not_found',
  not_found: 'not_found',
  request_moderated: 'moderated',
  content_moderated: 'moderated',
  moderated: 'moderated',
  blocked: 'moderated',
};

export function normaliseStatus(raw: unknown): NormalStatus {
  if (typeof raw !== 'string') return 'unknown';
  const word = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return WORDS[word] ?? 'unknown';
}

export const isTerminal = (status: NormalStatus) => !['queued', 'running', 'unknown'].includes(status);
