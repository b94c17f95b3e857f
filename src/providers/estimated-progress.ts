/**
 * Progress for an upstream that reports none, estimated from how long the task has run: `from` % at
 * once, then approaching `to` % with time constant `timeConstantMs` (63 % of the way after one). It
 * never arrives, so the real end is always the last step. Unrounded: each caller rounds its own way.
 */
export function approachingProgress(elapsedMs: number, timeConstantMs: number, from: number, to: number): number {
  const fraction = 1 - Math.exp(-Math.max(0, elapsedMs) / timeConstantMs);
  return from + (to - from) * fraction;
}
