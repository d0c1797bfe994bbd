import type { VoteContext } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import {
  apply,
  countOf,
  deps,
  judged,
  liveCampaign,
  recordOf,
  stoppedFor,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

const context: VoteContext = { ip: '198.51.100.44', deviceId: 'dev-fan', dwellMs: 4_000 };

describe("a like board's hold", () => {
  it('approves a like the voter had withdrawn before it was held without counting it again', async () => {
    const boardId = await liveCampaign(['alice', 'bob'], 'like');
    const now = Date.now();
    const like = judged(boardId, 'alice', 'p-fan', now - 20 * 60_000, context);
    like.vote.action = 'like';
    const unlike = judged(boardId, 'alice', 'p-fan', now - 10 * 60_000, context);
    unlike.vote.action = 'unlike';
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    expect(await apply([unlike])).toMatchObject([{ verdict: 'counted' }]);
    expect(await countOf(boardId, 'alice')).toBe(0);

    // The account is found later: its like of the day is held, which takes nothing back.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-fan', now)]);
    await eventually(
      async () => (await recordOf(like.vote.voteId))?.review?.state === 'held',
      30_000,
      'the like held',
    );
    expect(await countOf(boardId, 'alice')).toBe(0);

    // A host approves it: the voter still does not like alice, so nothing counts again.
    await deps.reviewQueue.add('approve', {
      kind: 'approve',
      campaignId: boardId,
      select: { voteIds: [like.vote.voteId] },
      by: 'h-1',
    });
    await eventually(
      async () => (await recordOf(like.vote.voteId))?.review?.state === 'approved',
      30_000,
      'the like approved',
    );
    expect(await countOf(boardId, 'alice')).toBe(0);
    expect(await deps.redis.sismember(deps.keys.board(boardId).likes('alice'), 'p-fan')).toBe(0);
  }, 60_000);

  it('approves a like taken back by its hold, after which the voter unliked, without giving it back', async () => {
    const boardId = await liveCampaign(['alice', 'bob'], 'like');
    const now = Date.now();
    const like = judged(boardId, 'alice', 'p-later', now - 20 * 60_000, context);
    like.vote.action = 'like';
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-later', now)]);
    await eventually(async () => (await countOf(boardId, 'alice')) === 0, 30_000, 'the like taken back');

    // The voter, whose like is gone, unlikes (it changes nothing), then a host approves the like.
    const unlike = judged(boardId, 'alice', 'p-later', Date.now(), context);
    unlike.vote.action = 'unlike';
    expect(await apply([unlike])).toMatchObject([{ verdict: 'unchanged' }]);
    await deps.reviewQueue.add('approve', {
      kind: 'approve',
      campaignId: boardId,
      select: { voteIds: [like.vote.voteId] },
      by: 'h-1',
    });
    await eventually(
      async () => (await recordOf(like.vote.voteId))?.review?.state === 'approved',
      30_000,
      'the like approved',
    );
    expect(await countOf(boardId, 'alice')).toBe(0);
  }, 60_000);

  it('gives a like taken back by its hold back on approval, whatever its voter did before the hold', async () => {
    const boardId = await liveCampaign(['alice', 'bob'], 'like');
    const now = Date.now();
    const like = judged(boardId, 'alice', 'p-twice', now - 20 * 60_000, context);
    like.vote.action = 'like';
    const again = judged(boardId, 'alice', 'p-twice', now - 19 * 60_000, context);
    again.vote.action = 'like';
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    expect(await apply([again])).toMatchObject([{ verdict: 'unchanged' }]);
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-twice', now)]);
    await eventually(async () => (await countOf(boardId, 'alice')) === 0, 30_000, 'the like taken back');

    await deps.reviewQueue.add('approve', {
      kind: 'approve',
      campaignId: boardId,
      select: { voteIds: [like.vote.voteId] },
      by: 'h-1',
    });
    await eventually(async () => (await countOf(boardId, 'alice')) === 1, 30_000, 'the like given back');
  }, 60_000);
});
