import {
  connectMongo,
  createShareTokenIssuer,
  type ReferralModel,
  referralIdOf,
  referralModel,
  saveShareToken,
  shareTokenModel,
} from '@rallyboard/core/db';
import type { VoteAction } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { openWorkerDeps, queuedVote } from '../support/deps.js';

const config = testConfig();
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let apply: ReturnType<typeof createVoteApplier>;
let referrals: ReferralModel;
const issue = createShareTokenIssuer(config.auth.jwtSecret);

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  apply = createVoteApplier(deps);
  referrals = referralModel(mongo);
});
afterAll(async () => {
  await deps.close();
  await mongo.close();
});

/** A share token of `inviterId` for alice on the board, stored as the server stores it. */
async function shareOf(boardId: string, inviterId: string): Promise<string> {
  const target = { campaignId: boardId, candidateId: 'alice', inviterId };
  const token = issue(target);
  await saveShareToken(shareTokenModel(mongo), token, target);
  return token;
}

/** A vote of `voterId` that came with `shareToken`. */
function through(
  boardId: string,
  shareToken: string,
  voterId: string,
  candidateId = 'alice',
  action: VoteAction = 'vote',
): BatchItem {
  const vote = queuedVote(candidateId, { voterId, action });
  vote.context = { ip: '203.0.113.7', shareToken };
  return { boardId, vote };
}

const referralsOf = (boardId: string) => referrals.find({ campaignId: boardId }).lean();

describe('referral attribution in the worker', () => {
  it('makes the voter the inviter’s invitee when their vote through the link is counted', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const token = await shareOf(boardId, 'p-inviter');
    const item = through(boardId, token, 'p-invitee', 'bob');
    expect(await apply([item])).toMatchObject([{ verdict: 'counted' }]);
    const [referral] = await referralsOf(boardId);
    expect(referral).toMatchObject({
      _id: referralIdOf(boardId, 'p-invitee'),
      candidateId: 'alice',
      inviterId: 'p-inviter',
      inviteeId: 'p-invitee',
      shareToken: token,
      firstVoteId: item.vote.voteId,
    });
  });

  it('makes no referral of a vote that is not counted', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice'], { quotas: { total: 1 } });
    const token = await shareOf(boardId, 'p-inviter');
    // Spends the quota of p-late without a link; its vote through the link is then rejected.
    await apply([{ boardId, vote: queuedVote('alice', { voterId: 'p-late' }) }]);
    const outcomes = await apply([
      through(boardId, token, 'p-late'),
      through(boardId, token, 'p-unknown-member', 'mallory'),
    ]);
    expect(outcomes).toMatchObject([
      { verdict: 'rejected', reason: 'QUOTA_EXCEEDED' },
      { verdict: 'rejected', reason: 'UNKNOWN_MEMBER' },
    ]);
    expect(await referralsOf(boardId)).toEqual([]);
  });

  it('makes no referral of an unlike, nor of a like that already stood', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice'], { kind: 'like' });
    const token = await shareOf(boardId, 'p-inviter');
    await apply([{ boardId, vote: queuedVote('alice', { voterId: 'p-liker', action: 'like' }) }]);
    const outcomes = await apply([
      through(boardId, token, 'p-liker', 'alice', 'like'),
      through(boardId, token, 'p-liker', 'alice', 'unlike'),
    ]);
    expect(outcomes).toMatchObject([{ verdict: 'unchanged' }, { verdict: 'counted', delta: -1 }]);
    expect(await referralsOf(boardId)).toEqual([]);
  });

  it('ignores the inviter’s own vote, and counts a vote whose token is unknown or foreign without a referral', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    const other = await seedBoard(config, deps.redis, mongo, ['alice']);
    const token = await shareOf(boardId, 'p-inviter');
    const foreign = await shareOf(other, 'p-inviter');
    const unknown = issue({ campaignId: boardId, candidateId: 'alice', inviterId: 'p-never-shared' });
    const outcomes = await apply([
      through(boardId, token, 'p-inviter'),
      through(boardId, foreign, 'p-voter-1'),
      through(boardId, unknown, 'p-voter-2'),
    ]);
    expect(outcomes.map((o) => o.verdict)).toEqual(['counted', 'counted', 'counted']);
    expect(await referralsOf(boardId)).toEqual([]);
    const ledger = await deps.ledger.find({ boardId }).lean();
    expect(ledger.map((r) => r.context?.shareToken).sort()).toEqual([token, foreign, unknown].sort());
  });

  it("keeps an invitee's first referral: an earlier vote in the batch, then any later batch", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    const first = await shareOf(boardId, 'p-first');
    const second = await shareOf(boardId, 'p-second');
    const earliest = through(boardId, first, 'p-invitee');
    await apply([earliest, through(boardId, second, 'p-invitee')]);
    await apply([through(boardId, second, 'p-invitee')]);
    expect((await referralsOf(boardId)).map((r) => [r.inviterId, r.firstVoteId])).toEqual([
      ['p-first', earliest.vote.voteId],
    ]);
  });

  it('makes the referral when a re-delivered job runs again, once', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    const token = await shareOf(boardId, 'p-inviter');
    const item = through(boardId, token, 'p-invitee');
    await apply([item]);
    // As if the process had died after the ledger write and before attribution.
    await referrals.deleteOne({ _id: referralIdOf(boardId, 'p-invitee') });
    expect(await apply([item])).toMatchObject([{ verdict: 'counted', duplicate: true }]);
    await apply([item]);
    expect((await referralsOf(boardId)).map((r) => r.firstVoteId)).toEqual([item.vote.voteId]);
  });

  it('gives an invitee a referral in each campaign they were brought to', async () => {
    const a = await seedBoard(config, deps.redis, mongo, ['alice']);
    const b = await seedBoard(config, deps.redis, mongo, ['alice']);
    const invitee = randomId('p-');
    await apply([
      through(a, await shareOf(a, 'p-inviter'), invitee),
      through(b, await shareOf(b, 'p-inviter'), invitee),
    ]);
    expect(await referrals.countDocuments({ inviteeId: invitee })).toBe(2);
  });
});
