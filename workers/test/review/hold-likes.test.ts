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

/** A like (or unlike) of alice by `voterId`, accepted at `at`. */
function likeOf(boardId: string, voterId: string, at: number, action: 'like' | 'unlike' = 'like') {
  const item = judged(boardId, 'alice', voterId, at, context);
  item.vote.action = action;
  return item;
}

/** Risk control finds the voter's account now: its likes of the day are held. */
const holdVoter = (boardId: string, voterId: string) =>
  createRiskFollowUp(deps)([stoppedFor(boardId, `voter:${voterId}`, Date.now())]);

/** A host approves the vote, and the review job runs. */
async function approve(boardId: string, voteId: string): Promise<void> {
  await deps.reviewQueue.add('approve', {
    kind: 'approve',
    campaignId: boardId,
    select: { voteIds: [voteId] },
    by: 'h-1',
  });
  await eventually(async () => (await recordOf(voteId))?.review?.state === 'approved', 30_000, 'approved');
}

describe("a like board's hold", () => {
  it('approves a like the voter had withdrawn before it was held without counting it again', async () => {
    const boardId = await liveCampaign(['alice', 'bob'], 'like');
    const now = Date.now();
    const like = likeOf(boardId, 'p-fan', now - 20 * 60_000);
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    expect(await apply([likeOf(boardId, 'p-fan', now - 10 * 60_000, 'unlike')])).toMatchObject([
      { verdict: 'counted' },
    ]);
    expect(await countOf(boardId, 'alice')).toBe(0);

    // The account is found later: its like of the day is held, which takes nothing back.
    await holdVoter(boardId, 'p-fan');
    await eventually(
      async () => (await recordOf(like.vote.voteId))?.review?.state === 'held',
      30_000,
      'held',
    );
    expect(await countOf(boardId, 'alice')).toBe(0);

    // A host approves it: the voter still does not like alice, so nothing counts again.
    await approve(boardId, like.vote.voteId);
    expect(await countOf(boardId, 'alice')).toBe(0);
    expect(await deps.redis.sismember(deps.keys.board(boardId).likes('alice'), 'p-fan')).toBe(0);
  }, 60_000);

  it('approves a like taken back by its hold, after which the voter unliked, without giving it back', async () => {
    const boardId = await liveCampaign(['alice', 'bob'], 'like');
    const like = likeOf(boardId, 'p-later', Date.now() - 20 * 60_000);
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    await holdVoter(boardId, 'p-later');
    await eventually(async () => (await countOf(boardId, 'alice')) === 0, 30_000, 'the like taken back');

    // The voter, whose like is gone, unlikes (it changes nothing), then a host approves the like.
    expect(await apply([likeOf(boardId, 'p-later', Date.now(), 'unlike')])).toMatchObject([
      { verdict: 'unchanged' },
    ]);
    await approve(boardId, like.vote.voteId);
    expect(await countOf(boardId, 'alice')).toBe(0);
  }, 60_000);

  it('gives a like taken back by its hold back on approval, whatever its voter did before the hold', async () => {
    const boardId = await liveCampaign(['alice', 'bob'], 'like');
    const now = Date.now();
    const like = likeOf(boardId, 'p-twice', now - 20 * 60_000);
    expect(await apply([like])).toMatchObject([{ verdict: 'counted' }]);
    expect(await apply([likeOf(boardId, 'p-twice', now - 19 * 60_000)])).toMatchObject([
      { verdict: 'unchanged' },
    ]);
    await holdVoter(boardId, 'p-twice');
    await eventually(async () => (await countOf(boardId, 'alice')) === 0, 30_000, 'the like taken back');
    // A host approves what the console lists as held: the hold's ledger write comes after Redis.
    await eventually(
      async () => (await recordOf(like.vote.voteId))?.review?.state === 'held',
      30_000,
      'held on the ledger',
    );

    await approve(boardId, like.vote.voteId);
    expect(await countOf(boardId, 'alice')).toBe(1);
  }, 60_000);

  it.each([
    ['each in a batch of its own', false],
    ['the like and its unlike in one batch (one decision time)', true],
  ])(
    "takes back none of a like made since its voter withdrew a held like, %s: that like is another vote, with none of the cluster's evidence",
    async (_how, oneBatch) => {
      const boardId = await liveCampaign(['alice', 'bob'], 'like');
      const now = Date.now();
      const ip = '198.51.100.45';
      const voter = oneBatch ? 'p-batch' : 'p-again';
      const act = (at: number, action: 'like' | 'unlike', dwellMs: number) => {
        const item = judged(boardId, 'alice', voter, at, { ip, deviceId: `dev-${voter}`, dwellMs });
        item.vote.action = action;
        return item;
      };
      // A first like tapped faster than reading: a member of its address's cluster for alice. The
      // voter unlikes, and likes again at a reading pace: a like of no cluster.
      const fast = act(now - 5 * 60_000, 'like', 200);
      const unlike = act(now - 3 * 60_000, 'unlike', 4_000);
      const again = act(now - 2 * 60_000, 'like', 4_000);
      if (oneBatch) {
        expect(await apply([fast, unlike])).toMatchObject([{ verdict: 'counted' }, { verdict: 'counted' }]);
      } else {
        expect(await apply([fast])).toMatchObject([{ verdict: 'counted' }]);
        expect(await apply([unlike])).toMatchObject([{ verdict: 'counted' }]);
      }
      const members = await deps.redis.zrange(
        deps.keys.board(boardId).risk.clusterMembers(`ip:${ip}@alice`),
        '0',
        '-1',
      );
      expect(members.map((m) => m.split(' ')[0])).toEqual([fast.vote.voteId]);
      expect(await apply([again])).toMatchObject([{ verdict: 'counted' }]);
      expect(await countOf(boardId, 'alice')).toBe(1);

      // The address's cluster is held: its member, the first like, is held with nothing to take.
      await createRiskFollowUp(deps)([stoppedFor(boardId, `ip:${ip}@alice`, now)]);
      await eventually(
        async () => (await recordOf(fast.vote.voteId))?.review?.state === 'held',
        30_000,
        'the first like held',
      );
      expect((await recordOf(fast.vote.voteId))?.review).toMatchObject({ nothingTaken: true });
      expect(await countOf(boardId, 'alice')).toBe(1);
      expect(await deps.redis.sismember(deps.keys.board(boardId).likes('alice'), voter)).toBe(1);
      expect((await recordOf(again.vote.voteId))?.review).toBeUndefined();

      // Approving the held like gives nothing back over the one that stands.
      await approve(boardId, fast.vote.voteId);
      expect(await countOf(boardId, 'alice')).toBe(1);
    },
    60_000,
  );
});
