import { randomId } from '../../../../test/support/config.js';
import type { LedgerVote } from '../../src/db/ledger.js';

/** Ledger records as the workers write them, for the ledger's tests. */

export const TODAY = '2026-11-25';
export const YESTERDAY = '2026-11-24';
const acceptedAt = new Date('2026-11-25T08:00:00.000Z');

/** A counted +1 vote unless told otherwise. */
export function record(boardId: string, over: Partial<LedgerVote> = {}): LedgerVote {
  return {
    _id: randomId('v'),
    boardId,
    candidateId: 'alice',
    action: 'vote',
    verdict: 'counted',
    delta: 1,
    seq: 1,
    day: TODAY,
    acceptedAt,
    decidedAt: new Date(acceptedAt.getTime() + 1_000),
    ...over,
  };
}

export const counted = (boardId: string, candidateId: string, seq: number, over: Partial<LedgerVote> = {}) =>
  record(boardId, { candidateId, seq, ...over });

export const likeRecord = (
  boardId: string,
  candidateId: string,
  voterId: string,
  seq: number,
  delta: 1 | -1,
) => record(boardId, { candidateId, voterId, seq, delta, action: delta === 1 ? 'like' : 'unlike' });

export const unchangedRecord = (boardId: string, over: Partial<LedgerVote> = {}) =>
  record(boardId, {
    action: 'like',
    voterId: 'u1',
    verdict: 'unchanged',
    delta: undefined,
    seq: undefined,
    ...over,
  });

export const rejectedRecord = (boardId: string, reason = 'UNKNOWN_MEMBER', over: Partial<LedgerVote> = {}) =>
  record(boardId, {
    candidateId: 'ghost',
    verdict: 'rejected',
    reason,
    delta: undefined,
    seq: undefined,
    ...over,
  });

/** Drops the keys a record leaves undefined, as they read back from the database. */
export const stored = (vote: LedgerVote) =>
  Object.fromEntries(Object.entries(vote).filter(([, v]) => v !== undefined));
