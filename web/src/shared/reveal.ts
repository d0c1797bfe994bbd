import type { LeaderboardEntry } from '@rallyboard/core/protocol';

/** Time between two ranks of a reveal: long enough for a room to cheer each one. */
export const REVEAL_STEP_MS = 1_500;

/** The order ranks are revealed in: the last first, the winner at the end. Ties keep their order. */
export function revealOrder(entries: readonly LeaderboardEntry[]): LeaderboardEntry[] {
  return [...entries].sort((a, b) => b.rank - a.rank || b.candidateId.localeCompare(a.candidateId));
}

/**
 * How many ranks are revealed `now`, counted from the bottom: one at the reveal, one more each
 * step, all of them once done. A screen that loads mid-reveal picks up where the room is.
 */
export function revealedCount(
  revealedAtMs: number,
  nowMs: number,
  total: number,
  stepMs = REVEAL_STEP_MS,
): number {
  if (nowMs < revealedAtMs) return 0;
  return Math.min(total, 1 + Math.floor((nowMs - revealedAtMs) / stepMs));
}

/** Whether the whole ranking is revealed by `now`. */
export function revealDone(
  revealedAtMs: number,
  nowMs: number,
  total: number,
  stepMs = REVEAL_STEP_MS,
): boolean {
  return revealedCount(revealedAtMs, nowMs, total, stepMs) >= total;
}
