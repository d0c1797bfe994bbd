import { referralIdOf, referralModel } from '@rallyboard/core/db';
import type { ReviewJob } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createReviewActions } from '../../src/review/review-actions.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import {
  apply,
  byIdAlone,
  countOf,
  deps,
  judged,
  ledgerCommands,
  mongo,
  recordOf,
  stoppedFor,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';
import { countedItemThrough, heldOnSharedPhone, inviteesOf, shared } from './referral-fixture.js';

useClusterHoldStack();

/** `voterId`'s vote for alice through the link, counted: its id. */
async function countedThrough(boardId: string, token: string, voterId: string): Promise<string> {
  return (await countedItemThrough(boardId, token, voterId)).vote.voteId;
}

const decide = (kind: 'approve' | 'void', boardId: string, voteId: string): ReviewJob => ({
  kind,
  campaignId: boardId,
  select: { voteIds: [voteId] },
  by: 'h-host',
});

describe("a referral follows its vote's review", () => {
  it('brings no one while risk control holds the vote that made it, and brings its voter again when a host approves the vote', async () => {
    const { boardId, token } = await shared();
    const voteId = await countedThrough(boardId, token, 'p-friend');
    expect(await inviteesOf(boardId)).toBe(1);

    // Risk control finds the account: its counted vote is taken back and held.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-friend', Date.now())]);
    await eventually(async () => (await recordOf(voteId))?.review?.state === 'held', 30_000, 'held');
    expect(await countOf(boardId, 'alice')).toBe(0);
    expect(await inviteesOf(boardId)).toBe(0);

    await createReviewActions(deps)(decide('approve', boardId, voteId), 'approve-1', async () => {});
    expect(await countOf(boardId, 'alice')).toBe(1);
    const referral = await referralModel(mongo).findById(referralIdOf(boardId, 'p-friend')).lean();
    expect(referral).toMatchObject({ inviterId: 'p-sharer', firstVoteId: voteId });
  }, 60_000);

  it('brings no one once a host voids the held vote, nor once a rule voids a counted one', async () => {
    const { boardId, token } = await shared();
    const held = await countedThrough(boardId, token, 'p-held');
    const ruled = await countedThrough(boardId, token, 'p-ruled');
    expect(await inviteesOf(boardId)).toBe(2);

    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-held', Date.now())]);
    await eventually(async () => (await recordOf(held))?.review?.state === 'held', 30_000, 'held');
    const run = createReviewActions(deps);
    await run(decide('void', boardId, held), 'void-1', async () => {});
    const rule: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: boardId,
      rule: {
        from: new Date(Date.now() - 600_000).toISOString(),
        to: new Date().toISOString(),
        deviceId: 'dev-p-ruled',
      },
      by: 'h-host',
    };
    await run(rule, 'rule-1', async () => {});
    expect(await recordOf(ruled)).toMatchObject({ review: { state: 'voided' } });
    expect(await countOf(boardId, 'alice')).toBe(0);
    expect(await inviteesOf(boardId)).toBe(0);
  }, 60_000);

  it('brings its voter when a host approves a vote through the link that was held when it came', async () => {
    const { boardId, token } = await shared();
    const vote = await heldOnSharedPhone(boardId, token, {
      voterId: 'p-late',
      deviceId: 'dev-shared',
      ipFrom: 81,
    });
    expect(await inviteesOf(boardId)).toBe(0);

    await createReviewActions(deps)(
      decide('approve', boardId, vote.vote.voteId),
      'approve-2',
      async () => {},
    );
    expect(await recordOf(vote.vote.voteId)).toMatchObject({
      verdict: 'counted',
      review: { state: 'approved' },
    });
    expect(await inviteesOf(boardId)).toBe(1);
  }, 60_000);

  it('brings no one back when the job of a vote held since is delivered again', async () => {
    const { boardId, token } = await shared();
    const item = await countedItemThrough(boardId, token, 'p-again');
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-again', Date.now())]);
    await eventually(
      async () => (await recordOf(item.vote.voteId))?.review?.state === 'held',
      30_000,
      'held',
    );
    expect(await inviteesOf(boardId)).toBe(0);

    // The job comes again (its worker stopped before completing it): the vote answers as it was
    // first decided, counted, and the ledger says it is held. It is read by its id alone.
    ledgerCommands.splice(0);
    expect(await apply([item])).toMatchObject([{ verdict: 'counted', duplicate: true }]);
    expect(await inviteesOf(boardId)).toBe(0);
    const reads = ledgerCommands.filter((c) => c.command === 'find');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((c) => !byIdAlone(c))).toEqual([]);
  }, 60_000);

  it('stays while another vote of the friend through the link still counts, when only their first leaves the count', async () => {
    const { boardId, token } = await shared();
    const through = (at: number) =>
      judged(boardId, 'alice', 'p-twice', at, {
        ip: '198.51.100.73',
        deviceId: 'dev-p-twice',
        dwellMs: 4_000,
        shareToken: token,
      });
    const first = through(Date.now() - 90_000);
    const later = through(Date.now() - 10_000);
    for (const vote of [first, later]) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
    expect(await inviteesOf(boardId)).toBe(1);

    // A rule voids the window that holds the first vote alone: the later one still counts.
    const rule: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: boardId,
      rule: {
        from: new Date(Date.now() - 120_000).toISOString(),
        to: new Date(Date.now() - 60_000).toISOString(),
        deviceId: 'dev-p-twice',
      },
      by: 'h-host',
    };
    await createReviewActions(deps)(rule, 'rule-2', async () => {});
    expect(await recordOf(first.vote.voteId)).toMatchObject({ review: { state: 'voided' } });
    expect(await countOf(boardId, 'alice')).toBe(1);
    const referral = await referralModel(mongo).findById(referralIdOf(boardId, 'p-twice')).lean();
    expect(referral).toMatchObject({ inviterId: 'p-sharer', firstVoteId: later.vote.voteId });
  }, 60_000);
  it('brings its voter again when a host approves a like through the link that they had withdrawn before it was held', async () => {
    const { boardId, token } = await shared('like');
    const now = Date.now();
    const act = (at: number, action: 'like' | 'unlike') => {
      const item = judged(boardId, 'alice', 'p-fan', at, {
        ip: '198.51.100.74',
        deviceId: 'dev-p-fan',
        dwellMs: 4_000,
        shareToken: token,
      });
      item.vote.action = action;
      return item;
    };
    const like = act(now - 20 * 60_000, 'like');
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    // Withdrawing the like keeps the friend brought: the like counted when it came.
    expect(await apply([act(now - 10 * 60_000, 'unlike')])).toMatchObject([{ verdict: 'counted' }]);
    expect(await inviteesOf(boardId)).toBe(1);

    // The account is found: its like is held (nothing left to take back), and brings no one.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-fan', Date.now())]);
    await eventually(
      async () => (await recordOf(like.vote.voteId))?.review?.state === 'held',
      30_000,
      'held',
    );
    expect(await inviteesOf(boardId)).toBe(0);

    // A host approves it: it stands as it came, and brings the friend again, as if never held.
    await createReviewActions(deps)(
      decide('approve', boardId, like.vote.voteId),
      'approve-3',
      async () => {},
    );
    expect(await recordOf(like.vote.voteId)).toMatchObject({ review: { state: 'approved' } });
    expect(await countOf(boardId, 'alice')).toBe(0);
    const referral = await referralModel(mongo).findById(referralIdOf(boardId, 'p-fan')).lean();
    expect(referral).toMatchObject({ inviterId: 'p-sharer', firstVoteId: like.vote.voteId });
  }, 60_000);
});
