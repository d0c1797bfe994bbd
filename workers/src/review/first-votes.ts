import { earliestVoteTimes, type LedgerModel, type LedgerVote } from '@rallyboard/core/db';

/**
 * Of the given votes, the ids of those that are their voter's first on the board (a brand-new
 * account's), as the whole ledger has it: a wave is brand-new accounts, so a voter who had voted
 * before is not of it.
 */
export async function firstVotes(
  ledger: LedgerModel,
  boardId: string,
  records: readonly LedgerVote[],
): Promise<Set<string>> {
  const voters = [...new Set(records.flatMap((r) => (r.voterId === undefined ? [] : [r.voterId])))];
  const earliest = await earliestVoteTimes(ledger, boardId, voters);
  return new Set(
    records
      .filter((r) => r.voterId !== undefined && r.acceptedAt.getTime() <= (earliest.get(r.voterId) ?? 0))
      .map((r) => r._id),
  );
}
