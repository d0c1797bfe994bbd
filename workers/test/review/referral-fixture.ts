import { referralModel, shareTokenModel } from '@rallyboard/core/db';
import { expect } from 'vitest';
import type { BatchItem } from '../../src/votes/apply-votes.js';
import { apply, judged, liveCampaign, mongo } from './cluster-hold-fixture.js';

/**
 * What the referral review tests share, over the cluster-hold stack (useClusterHoldStack): a
 * sharer's link, a friend's vote through it, counted or held, and the sharer's invitees.
 */

/** A live campaign and a share link of p-sharer's for alice. */
export async function shared(kind: 'vote' | 'like' = 'vote'): Promise<{ boardId: string; token: string }> {
  const boardId = await liveCampaign(['alice', 'bob'], kind);
  const token = `tok-${boardId}`.slice(0, 32);
  await shareTokenModel(mongo).create({
    _id: token,
    campaignId: boardId,
    candidateId: 'alice',
    inviterId: 'p-sharer',
    createdAt: new Date(),
  });
  return { boardId, token };
}

/** The sharer's invitees in the campaign, as their referrals answer. */
export const inviteesOf = (boardId: string) =>
  referralModel(mongo).countDocuments({ campaignId: boardId, inviterId: 'p-sharer' });

/** `voterId`'s vote for alice through the link, counted, as its job carried it. */
export async function countedItemThrough(
  boardId: string,
  token: string,
  voterId: string,
  ip = '198.51.100.71',
): Promise<BatchItem> {
  const vote = judged(boardId, 'alice', voterId, Date.now() - 60_000, {
    ip,
    deviceId: `dev-${voterId}`,
    dwellMs: 4_000,
    shareToken: token,
  });
  expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
  return vote;
}

/**
 * A vote for bob through the link, held as it comes: three accounts on one phone count, and the
 * phone's fourth, `voterId`, comes through the link. Each on an address of its own from `ipFrom`.
 */
export async function heldOnSharedPhone(
  boardId: string,
  token: string,
  options: { voterId: string; deviceId: string; ipFrom: number },
): Promise<BatchItem> {
  const phone = (voterId: string, i: number, shareToken?: string) =>
    judged(boardId, 'bob', voterId, Date.now() + i, {
      ip: `198.51.100.${i + options.ipFrom}`,
      deviceId: options.deviceId,
      dwellMs: 3_000,
      ...(shareToken ? { shareToken } : {}),
    });
  for (const [i, voterId] of ['p-1', 'p-2', 'p-3'].entries()) {
    expect(await apply([phone(voterId, i)])).toMatchObject([{ verdict: 'counted' }]);
  }
  const vote = phone(options.voterId, 3, token);
  expect(await apply([vote])).toMatchObject([{ verdict: 'held' }]);
  return vote;
}
