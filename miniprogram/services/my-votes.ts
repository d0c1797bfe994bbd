import type { VoteStatus } from '../protocol/votes.js';
import { listMyVotes, readVoteStatus } from './api.js';
import { rejectionReason, VOTE_STATUS_LABELS } from './messages.js';
import { recentVotes } from './votes.js';

/** One row of "my votes". */
export interface MyVoteRow {
  voteId: string;
  candidateId: string;
  action: string;
  status: VoteStatus['status'];
  statusLabel: string;
  /** For a rejected vote: why, in Chinese; '' otherwise. */
  reason: string;
  /** When it was decided or sent, epoch ms; 0 when unknown. */
  at: number;
}

const ACTION_LABELS: Record<string, string> = { vote: '投票', like: '点赞', unlike: '取消点赞' };

function rowOf(
  status: VoteStatus,
  fallback: { candidateId?: string; action?: string; at?: number } = {},
): MyVoteRow {
  return {
    voteId: status.voteId,
    candidateId: status.candidateId ?? fallback.candidateId ?? '',
    action: ACTION_LABELS[status.action ?? fallback.action ?? 'vote'] ?? '投票',
    status: status.status,
    statusLabel: VOTE_STATUS_LABELS[status.status],
    reason: status.status === 'rejected' ? rejectionReason(status.reason) : '',
    at: status.decidedAt ? Date.parse(status.decidedAt) : (fallback.at ?? 0),
  };
}

/** How many votes this install sent that are looked up one by one while not yet listed. */
const PENDING_LOOKUPS = 10;

/**
 * A page of my votes on a board. The first page also shows the votes this install sent that
 * the server does not list yet (still queued, or decided but not yet recorded), each asked for
 * by its id, so a vote never seems to vanish between the tap and the count.
 */
export async function myVotesPage(
  boardId: string,
  cursor?: string,
): Promise<{ rows: MyVoteRow[]; nextCursor: string | null }> {
  const page = await listMyVotes(boardId, cursor);
  const rows = page.votes.map((v) => rowOf(v));
  if (cursor !== undefined) return { rows, nextCursor: page.nextCursor };
  const listed = new Set(rows.map((r) => r.voteId));
  const pending = recentVotes(boardId)
    .filter((v) => !listed.has(v.voteId))
    .slice(0, PENDING_LOOKUPS);
  const looked = await Promise.all(
    pending.map(async (sent) => {
      const status = await readVoteStatus(boardId, sent.voteId).catch(() => null);
      return status ? rowOf(status, sent) : null;
    }),
  );
  return {
    rows: [...looked.filter((r): r is MyVoteRow => r !== null), ...rows],
    nextCursor: page.nextCursor,
  };
}
