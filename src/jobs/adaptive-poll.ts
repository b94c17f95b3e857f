import type { ExpectedFinish } from './task-durations.js';

/** Poll interval around the expected finish: a finish is noticed within about this long. */
export const NEAR_END_MS = 1_000;
/** Longest wait between two status calls early in a task (progress still reaches the client this often). */
export const SPARSE_MAX_MS = 10_000;
/** The upstream's own progress is trusted to estimate the end once it says at least this much. */
const MIN_PROGRESS_FOR_ESTIMATE = 5;
/** Spread around an end estimated from progress alone (progress rarely rises evenly). */
const PROGRESS_ESTIMATE_SPREAD = 0.15;

export interface PollTiming {
  /** Since the task was submitted. */
  elapsedMs: number;
  /** What recent tasks of this kind took, when known. */
  expected?: ExpectedFinish;
  /** The upstream's last reported progress (0–100), when it reports any. */
  progress?: number;
  /** The provider's own schedule for this attempt: used when nothing is known about the end. */
  scheduledMs: number;
}

/** When the task should end: learned from recent tasks, else extrapolated from the upstream's progress. */
function expectedWindow(t: PollTiming): ExpectedFinish | undefined {
  if (t.expected) return t.expected;
  const p = t.progress;
  if (p === undefined || p < MIN_PROGRESS_FOR_ESTIMATE || p >= 100) return undefined;
  const total = (t.elapsedMs * 100) / p;
  return { earliestMs: total * (1 - PROGRESS_ESTIMATE_SPREAD), latestMs: total * (1 + PROGRESS_ESTIMATE_SPREAD) };
}

/**
 * The wait before the next status call of a task that is still running. Early on, each wait is
 * half the time left before the expected window (at most SPARSE_MAX_MS), so the polls close in on
 * it; inside the window (and NEAR_END_MS either side of it) every NEAR_END_MS, so a finish is
 * noticed within about a second; past it, the wait grows back to the provider's schedule, so a
 * task that runs long does not spend the status-call cap at one call a second. With nothing known
 * about the end (no history, no progress), the provider's schedule.
 */
export function adaptivePollDelay(t: PollTiming): number {
  const window = expectedWindow(t);
  if (!window) return t.scheduledMs;
  const denseFrom = window.earliestMs - NEAR_END_MS;
  const denseUntil = window.latestMs + NEAR_END_MS;
  if (t.elapsedMs < denseFrom) {
    const half = (denseFrom - t.elapsedMs) / 2;
    return Math.round(Math.min(SPARSE_MAX_MS, Math.max(NEAR_END_MS, half)));
  }
  if (t.elapsedMs <= denseUntil) return NEAR_END_MS;
  const overdue = t.elapsedMs - denseUntil;
  return Math.round(Math.max(NEAR_END_MS, Math.min(t.scheduledMs, NEAR_END_MS + overdue / 4)));
}
