import { type LedgerVote, referralIdOf, referralModel } from '@rallyboard/core/db';
import type { ReviewJob } from '@rallyboard/core/queue';
import { describe, expect, it, vi } from 'vitest';
import { createReviewActions } from '../../src/review/review-actions.js';
import { createReferralAttributor } from '../../src/votes/attribute-referrals.js';
import { countOf, deps, mongo, recordOf, useClusterHoldStack } from './cluster-hold-fixture.js';
import { countedItemThrough, heldOnSharedPhone, inviteesOf, shared } from './referral-fixture.js';

useClusterHoldStack();

const noProgress = async () => {};

/**
 * `voterId`'s vote for alice through the link, counted and on the ledger, but its batch's
 * attribution not run yet (as between the batch's ledger write and its referral step): its
 * record as the batch has it.
 */
async function recordedNotAttributed(boardId: string, token: string, voterId: string): Promise<LedgerVote> {
  const item = await countedItemThrough(boardId, token, voterId, '198.51.100.91');
  await referralModel(mongo).deleteOne({ _id: referralIdOf(boardId, voterId) });
  const record = await recordOf(item.vote.voteId);
  if (!record) throw new Error('the vote is not on the ledger');
  return record;
}

/** A rule voiding the device's votes of the last ten minutes. */
const voidDevice = (boardId: string, deviceId: string): ReviewJob => ({
  kind: 'void-by-rule',
  campaignId: boardId,
  rule: { from: new Date(Date.now() - 600_000).toISOString(), to: new Date().toISOString(), deviceId },
  by: 'h-host',
});

/** Runs `during` once, just before the review's ledger write that names `voteId`. */
function beforeLedgerWriteOf(voteId: string, during: () => Promise<unknown>) {
  const collection = deps.ledger.collection;
  const write = collection.bulkWrite.bind(collection);
  let done = false;
  return vi.spyOn(collection, 'bulkWrite').mockImplementation(async (...args) => {
    if (!done && JSON.stringify(args[0]).includes(voteId)) {
      done = true;
      await during();
    }
    return write(...args);
  });
}

describe("a referral follows its vote's review when the vote worker's attribution comes late", () => {
  it('brings no one when the attribution of a vote comes after a rule voided it', async () => {
    const { boardId, token } = await shared();
    const record = await recordedNotAttributed(boardId, token, 'p-late');

    await createReviewActions(deps)(voidDevice(boardId, 'dev-p-late'), 'rule-late', noProgress);
    expect(await recordOf(record._id)).toMatchObject({ review: { state: 'voided' } });

    // The batch's referral step runs now, with the record as the batch wrote it.
    expect(await createReferralAttributor(deps)([record])).toBe(0);
    expect(await inviteesOf(boardId)).toBe(0);
  }, 60_000);

  it('brings no one when the attribution of a vote runs while a rule voids it, before the rule writes the void down', async () => {
    const { boardId, token } = await shared();
    const record = await recordedNotAttributed(boardId, token, 'p-between');
    // The rule has dropped the referral (there was none yet) and applied the void to the board;
    // the batch makes the referral and reads the vote still counted; then the rule's ledger write.
    const spy = beforeLedgerWriteOf(record._id, async () => {
      expect(await createReferralAttributor(deps)([record])).toBe(1);
    });
    try {
      await createReviewActions(deps)(voidDevice(boardId, 'dev-p-between'), 'rule-between', noProgress);
    } finally {
      spy.mockRestore();
    }
    expect(await recordOf(record._id)).toMatchObject({ review: { state: 'voided' } });
    expect(await countOf(boardId, 'alice')).toBe(0);
    expect(await inviteesOf(boardId)).toBe(0);
  }, 60_000);
});

describe('an approval makes one referral however often it runs', () => {
  it('makes one when its job runs again after stopping before its ledger write, and none more when the vote is approved again', async () => {
    const { boardId, token } = await shared();
    const vote = await heldOnSharedPhone(boardId, token, {
      voterId: 'p-held',
      deviceId: 'dev-phone',
      ipFrom: 101,
    });
    const voteId = vote.vote.voteId;
    const approve: ReviewJob = {
      kind: 'approve',
      campaignId: boardId,
      select: { voteIds: [voteId] },
      by: 'h-host',
    };
    const run = createReviewActions(deps);

    // The worker stops between the board and the ledger: the job is run again, as BullMQ retries it.
    const spy = beforeLedgerWriteOf(voteId, async () => {
      throw new Error('the worker stopped');
    });
    try {
      await expect(run(approve, 'approve-retried', noProgress)).rejects.toThrow('the worker stopped');
    } finally {
      spy.mockRestore();
    }
    expect(await recordOf(voteId)).toMatchObject({ verdict: 'held', review: { state: 'held' } });
    await run(approve, 'approve-retried', noProgress);
    await run(approve, 'approve-again', noProgress);

    expect(await recordOf(voteId)).toMatchObject({ verdict: 'counted', review: { state: 'approved' } });
    expect(await deps.redis.exists(deps.keys.board(boardId).vote(voteId))).toBe(1);
    const referrals = await referralModel(mongo).find({ campaignId: boardId }).lean();
    expect(referrals).toMatchObject([{ inviteeId: 'p-held', inviterId: 'p-sharer', firstVoteId: voteId }]);
  }, 60_000);
});
