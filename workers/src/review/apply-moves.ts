import { type LedgerVote, recordVotes, setReviewedVotesById, updateReviewedVotes } from '@rallyboard/core/db';
import { applyVotes, type VoteVerdict } from '@rallyboard/core/redis';
import type { WorkerDeps } from '../deps.js';
import { markMovedVoters } from '../rewards/mark.js';
import type { LedgerWrite, Move } from './moves.js';
import { followReferrals } from './referrals.js';

/** A board whose votes cannot be applied now (fenced by a rebuild, or its state lost): retry later. */
export class BoardBusyError extends Error {}

/** A vote's record as the job read it, and the move planned for it. */
export interface PlannedMove {
  record: LedgerVote;
  move: Move;
}

/**
 * Carries out a chunk's moves: their votes applied in one applyVotes call, then the ledger
 * written, Redis first as the vote worker does (a run that dies in between is retried, and the
 * votes answer as duplicates with their first verdicts). New records go in idempotently; each
 * moved vote's record changes only from the state it was read in, compared by the write unless
 * `compare` is false (cluster holds: see setReviewedVotesById).
 * @throws BoardBusyError when the board cannot take votes now; nothing was applied then
 */
export async function applyMoves(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'ledger' | 'config' | 'instanceId'>,
  boardId: string,
  planned: readonly PlannedMove[],
  options: { compare?: boolean; weekStartsOn?: number } = {},
): Promise<void> {
  await markMovedVoters(
    deps,
    boardId,
    planned.map((p) => p.record),
    'before',
  );
  const writes = await applyVotesOf(deps, boardId, planned, options.weekStartsOn);
  // Before the ledger: a run that stops after it plans none of these moves again.
  await followReferrals(deps, writes, 'before');
  await recordVotes(
    deps.ledger,
    writes.flatMap((w) => w.inserts),
  );
  const changes = writes.map(({ record, set }) => ({ from: record, set }));
  if (options.compare === false) await setReviewedVotesById(deps.ledger, changes);
  else await updateReviewedVotes(deps.ledger, changes);
  // And after it: a vote worker may have made one of these votes' referrals since the first.
  await followReferrals(deps, writes, 'after');
  // What the moved votes' voters earn may have changed (rewards/).
  await markMovedVoters(
    deps,
    boardId,
    planned.map((p) => p.record),
    'after',
  );
}

/** Applies the moves' votes and answers each moved record with its ledger write, in the moves' order. */
async function applyVotesOf(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'config' | 'instanceId'>,
  boardId: string,
  planned: readonly PlannedMove[],
  weekStartsOn: number | undefined,
): Promise<(LedgerWrite & { record: LedgerVote })[]> {
  const votes = planned.flatMap(({ move }) => (move.apply ? [move.apply] : []));
  let verdicts: VoteVerdict[] = [];
  if (votes.length > 0) {
    const applied = await applyVotes(deps.redis, deps.keys, boardId, votes, {
      dedupTtlSeconds: deps.config.votes.dedupTtlSeconds,
      origin: deps.instanceId,
      weekStartsOn,
    });
    if (applied.outcome !== 'applied') throw new BoardBusyError(`board ${boardId} is ${applied.outcome}`);
    verdicts = applied.verdicts;
  }
  // The script answers one verdict per vote, in order: the moves that applied one take them in turn.
  const next = verdicts.values();
  return planned.map(({ record, move }) => {
    if (move.apply === undefined) return { record, ...move.write() };
    const verdict = next.next();
    if (verdict.done)
      throw new Error(`applyVotes answered ${verdicts.length} verdicts for ${votes.length} votes`);
    return { record, ...move.write(verdict.value) };
  });
}
