import { shareTokenModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import {
  allHeld,
  apply,
  countOf,
  judged,
  liveCampaign,
  mongo,
  recordOf,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

/** A live campaign and a share link of `inviterId`'s for its candidate `pick`. */
async function sharedBy(inviterId: string): Promise<{ boardId: string; token: string }> {
  const boardId = await liveCampaign(['pick', 'other']);
  const token = `tok-${boardId}`.slice(0, 32);
  await shareTokenModel(mongo).create({
    _id: token,
    campaignId: boardId,
    candidateId: 'pick',
    inviterId,
    createdAt: new Date(),
  });
  return { boardId, token };
}

describe("a referral tree's hold", () => {
  it("takes back the tree's invitees counted before the fan-out showed, and never the sharer's friends counted before it", async () => {
    const { boardId, token } = await sharedBy('p-sharer');
    const now = Date.now();
    // Every invitee is a new account on a phone and an address of its own: nothing but the link
    // they came through is shared. The sharer's friends read for a human while; half the tree's
    // accounts tap faster than anyone reads (evidence of their own, as a farm's show).
    const invitee = (i: number, at: number, fast = false) =>
      judged(boardId, 'pick', `p-invitee-${i}`, at, {
        ip: `203.0.${i}.9`,
        deviceId: `dev-invitee-${i}`,
        dwellMs: fast ? 300 + i * 5 : 3_000 + ((i * 797) % 5_000),
        shareToken: token,
      });
    // The sharer's eight friends, over the minutes before: the fifth to the eighth are counted
    // once the links had brought a quarter of the rule's threshold, but before any of the tree
    // showed evidence of its own.
    const friends = Array.from({ length: 8 }, (_, i) => invitee(i, now - 570_000 + i * 30_000));
    for (const vote of friends) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);

    // Then twenty more accounts through the same link, 7 s apart: the fan-out rule holds the
    // 20th invitee and those after it (six of the twenty so far with evidence of their own, the
    // farm's 30%), and its hold takes back the tree's members before.
    const tree = Array.from({ length: 20 }, (_, i) => invitee(8 + i, now - 150_000 + i * 7_000, i % 2 === 0));
    const verdicts: string[] = [];
    for (const vote of tree) verdicts.push(...(await apply([vote])).map((o) => o.verdict));
    expect(verdicts.slice(0, 11)).toEqual(Array(11).fill('counted'));
    expect(verdicts.slice(11)).toEqual(Array(9).fill('held'));

    const counted = tree.slice(0, 11);
    await eventually(() => allHeld(counted), 30_000, "the tree's counted invitees held");
    const member = await recordOf(counted[0]?.vote.voteId ?? '');
    expect(member?.review?.cluster).toBe('ring:p-sharer');
    expect(member?.review?.note).toMatch(
      /by its own evidence: the account's first vote here; one of 9 accounts the inviter's links had brought in 10 min when it was counted; 1 of them \(this one too, if it had\) with evidence of their own/,
    );

    // Holds run right after each batch: by now every one the tree's votes queued has run.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const vote of friends) {
      const record = await recordOf(vote.vote.voteId);
      expect(record).toMatchObject({ verdict: 'counted', delta: 1 });
      expect(record?.review).toBeUndefined();
    }
    expect(await countOf(boardId, 'pick')).toBe(8);
  }, 120_000);
});

describe("a popular sharer's group chats", () => {
  it('are never held for the fan-out when their friends show no evidence of their own', async () => {
    const { boardId, token } = await sharedBy('p-popular');
    const now = Date.now();
    // Thirty friends from the group chats in a minute and a half, each reading for a human while.
    const friends = Array.from({ length: 30 }, (_, i) =>
      judged(boardId, 'pick', `p-friend-${i}`, now - 90_000 + i * 3_000, {
        ip: `198.18.${i}.20`,
        deviceId: `dev-friend-${i}`,
        dwellMs: 2_500 + ((i * 1_013) % 6_000),
        shareToken: token,
      }),
    );
    const verdicts: string[] = [];
    for (const vote of friends) verdicts.push(...(await apply([vote])).map((o) => o.verdict));
    expect(verdicts).toEqual(Array(30).fill('counted'));
    expect(await countOf(boardId, 'pick')).toBe(30);
  }, 60_000);
});
