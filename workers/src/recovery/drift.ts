import type { LedgerTally } from '@rallyboard/core/db';

/** A member's standing as a store holds it: its count and the seq of its last change. */
export interface Standing {
  count: number;
  seq: number;
}

/**
 * The members whose standing in a store (Redis, an archive) is not what their ledger records
 * add up to, each with both. A member the store does not have matches a ledger that never
 * changed it (a day's window leaves such members out; the all-time window holds them at 0).
 */
export function driftOf(
  found: ReadonlyMap<string, Standing>,
  ledger: ReadonlyMap<string, LedgerTally>,
): { candidateId: string; found: Standing | null; ledger: Standing }[] {
  const drift: { candidateId: string; found: Standing | null; ledger: Standing }[] = [];
  for (const candidateId of new Set([...found.keys(), ...ledger.keys()])) {
    const tally = ledger.get(candidateId) ?? { count: 0, lastSeq: 0 };
    const expected = { count: tally.count, seq: tally.lastSeq };
    const actual = found.get(candidateId) ?? null;
    const matches =
      actual === null
        ? expected.count === 0 && expected.seq === 0
        : actual.count === expected.count && actual.seq === expected.seq;
    if (!matches) drift.push({ candidateId, found: actual, ledger: expected });
  }
  return drift;
}
