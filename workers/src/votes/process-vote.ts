import type { LedgerVote } from '@rallyboard/core/db';
import { recordVotes } from '@rallyboard/core/db';
import { toFieldIssues } from '@rallyboard/core/protocol';
import type { VoteJob } from '@rallyboard/core/queue';
import { voteJobSchema } from '@rallyboard/core/queue';
import { type ApplyVoteResult, applyVote } from '@rallyboard/core/redis';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps.js';

/**
 * Applies one queued vote, then puts it on record.
 *
 * Order matters. Redis first: applyVote-5.lua changes the score and marks the vote id applied
 * in one atomic step. Then the ledger. If the process dies between the two, the job is
 * re-delivered; the script sees the marker and reports `duplicate` without counting again,
 * and the ledger write happens on that second run. The ledger write is itself idempotent
 * (the vote id is the document `_id`), so a death after it is harmless too.
 */
export async function processVote(job: Job<VoteJob>, deps: WorkerDeps): Promise<ApplyVoteResult> {
  // Job data can come from an older deploy: validate it again, and don't retry what can't pass.
  const parsed = voteJobSchema.safeParse(job.data);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, 'data');
    deps.logger.error({ jobId: job.id, issues }, 'vote job has invalid data');
    throw new UnrecoverableError(
      `invalid vote job: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    );
  }
  const vote = parsed.data;

  const result = await applyVote(deps.redis, deps.keys, vote, {
    dedupTtlSeconds: deps.config.votes.dedupTtlSeconds,
    origin: deps.instanceId,
  });

  const record: LedgerVote = {
    _id: vote.voteId,
    boardId: vote.boardId,
    candidateId: vote.candidateId,
    verdict: result.outcome === 'rejected' ? 'rejected' : 'counted',
    ...(result.outcome === 'rejected' ? { reason: result.reason } : {}),
    acceptedAt: new Date(vote.acceptedAt),
    decidedAt: new Date(),
  };
  await recordVotes(deps.ledger, [record]);

  if (result.outcome === 'rejected') {
    deps.logger.info({ voteId: vote.voteId, boardId: vote.boardId, reason: result.reason }, 'vote rejected');
  } else if (result.outcome === 'duplicate') {
    deps.logger.debug({ voteId: vote.voteId }, 'vote already applied; not counted again');
  }
  return result;
}
