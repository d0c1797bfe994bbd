import { campaignModel } from '@rallyboard/core/db';
import type { ReviewJob } from '@rallyboard/core/queue';
import { fenceBoard, liftFence } from '@rallyboard/core/redis';
import { describe, expect, it, vi } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createReviewActions } from '../../src/review/review-actions.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import {
  apply,
  countOf,
  deps,
  judged,
  liveCampaign,
  mongo,
  recordOf,
  stoppedFor,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

const decide = (kind: 'approve' | 'void', boardId: string, voteId: string): ReviewJob => ({
  kind,
  campaignId: boardId,
  select: { voteIds: [voteId] },
  by: kind === 'approve' ? 'h-approver' : 'h-voider',
});

/**
 * A vote of `voterId` for alice, counted, then taken back and held when risk control finds the
 * account (a voter's hold): its id, accepted at `acceptedAt`.
 */
async function takenBackAndHeld(boardId: string, voterId: string, acceptedAt = Date.now() - 60_000) {
  const vote = judged(boardId, 'alice', voterId, acceptedAt, {
    ip: '198.51.100.61',
    deviceId: `dev-${voterId}`,
    dwellMs: 4_000,
  });
  expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
  await createRiskFollowUp(deps)([stoppedFor(boardId, `voter:${voterId}`, Date.now())]);
  const voteId = vote.vote.voteId;
  await eventually(async () => (await recordOf(voteId))?.review?.state === 'held', 30_000, 'held');
  expect(await countOf(boardId, 'alice')).toBe(0);
  return voteId;
}

describe('two hosts deciding one held vote', () => {
  it('writes down the approval the board counts when a void comes after it stopped before the ledger, and never the void over it', async () => {
    const boardId = await liveCampaign();
    // Risk control finds the account: its vote is taken back and held.
    const voteId = await takenBackAndHeld(boardId, 'p-both');

    const run = createReviewActions(deps);
    // The approval counts it again on the board, then the ledger fails under it.
    const updates = vi
      .spyOn(deps.ledger.collection, 'bulkWrite')
      .mockRejectedValueOnce(new Error('the ledger went away'));
    try {
      await expect(run(decide('approve', boardId, voteId), 'approve-1', async () => {})).rejects.toThrow(
        'the ledger went away',
      );
    } finally {
      updates.mockRestore();
    }
    expect(await countOf(boardId, 'alice')).toBe(1);

    // Another host's void runs before the approval's retry.
    await run(decide('void', boardId, voteId), 'void-1', async () => {});
    const record = await recordOf(voteId);
    expect(record?.review).toMatchObject({ state: 'approved', credit: `${voteId}.a` });
    expect(await countOf(boardId, 'alice')).toBe(1);
    expect(await recordOf(`${voteId}.a`)).toMatchObject({ verdict: 'counted', restores: voteId });

    // The approval's retry finds it done.
    expect(await run(decide('approve', boardId, voteId), 'approve-1', async () => {})).toMatchObject({
      changed: 0,
    });
    expect(await countOf(boardId, 'alice')).toBe(1);
  }, 60_000);
});

describe('a void by rule after a half-made approval', () => {
  it('writes the approval down, then takes the vote back as the later action', async () => {
    const boardId = await liveCampaign();
    const acceptedAt = Date.now() - 60_000;
    const voteId = await takenBackAndHeld(boardId, 'p-ruled', acceptedAt);

    const run = createReviewActions(deps);
    const updates = vi
      .spyOn(deps.ledger.collection, 'bulkWrite')
      .mockRejectedValueOnce(new Error('the ledger went away'));
    try {
      await expect(run(decide('approve', boardId, voteId), 'approve-2', async () => {})).rejects.toThrow();
    } finally {
      updates.mockRestore();
    }
    expect(await countOf(boardId, 'alice')).toBe(1);

    const rule: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: boardId,
      rule: {
        from: new Date(acceptedAt - 1_000).toISOString(),
        to: new Date(acceptedAt + 1_000).toISOString(),
      },
      by: 'h-ruler',
    };
    await run(rule, 'rule-1', async () => {});
    expect(await recordOf(voteId)).toMatchObject({
      review: { state: 'voided', by: 'h-ruler', credit: `${voteId}.a`, retraction: `${voteId}.a.x` },
    });
    expect(await countOf(boardId, 'alice')).toBe(0);
    // The approval's retry finds it voided.
    await run(decide('approve', boardId, voteId), 'approve-2', async () => {});
    expect(await countOf(boardId, 'alice')).toBe(0);
  }, 60_000);
});

describe('a review job on a board that cannot take it now', () => {
  it('waits while the board is being rebuilt, using none of its attempts, and approves once the fence lifts', async () => {
    const boardId = await liveCampaign();
    // Risk control finds the account: its vote is taken back and held.
    const voteId = await takenBackAndHeld(boardId, 'p-fenced');

    const campaign = await campaignModel(mongo).findById(boardId).lean();
    const token = 'a-rebuild';
    await fenceBoard(
      deps.redis,
      deps.keys,
      {
        boardId,
        title: boardId,
        kind: 'vote',
        timezone: campaign?.schedule.timezone ?? 'Asia/Shanghai',
        dailyRetentionDays: 8,
        candidateIds: ['alice', 'bob'],
      },
      { token, ttlMs: 120_000 },
    );
    const job = await deps.reviewQueue.add('approve', decide('approve', boardId, voteId));
    await eventually(
      async () => {
        const now = await deps.reviewQueue.getJob(String(job.id));
        return (await now?.getState()) === 'delayed' && (now?.attemptsStarted ?? 0) >= 3;
      },
      30_000,
      'the job waiting a third time',
    );
    const waiting = await deps.reviewQueue.getJob(String(job.id));
    expect(waiting?.attemptsMade).toBe(0);
    expect(await countOf(boardId, 'alice')).toBe(0);

    await liftFence(deps.redis, deps.keys, boardId, token);
    await eventually(async () => (await recordOf(voteId))?.review?.state === 'approved', 30_000, 'approved');
    expect(await countOf(boardId, 'alice')).toBe(1);
  }, 60_000);
});
