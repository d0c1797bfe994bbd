import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { connectMongo } from '../../src/db/connection.js';
import {
  createShareTokenIssuer,
  type ReferralCandidate,
  type ReferralModel,
  recordReferrals,
  referralIdOf,
  referralModel,
  type ShareTokenModel,
  saveShareToken,
  shareTokenModel,
} from '../../src/db/referrals.js';
import { shareTokenSchema } from '../../src/protocol/vote-context.js';
import { unmetWriteConcern } from './write-concern.js';

const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let models: { shareTokens: ShareTokenModel; referrals: ReferralModel };
const issue = createShareTokenIssuer('a test secret of at least thirty-two characters');

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  models = { shareTokens: shareTokenModel(mongo), referrals: referralModel(mongo) };
  await Promise.all([models.shareTokens.init(), models.referrals.init()]);
});
afterAll(async () => {
  await mongo.close();
});

/** A campaign id and a share token of `inviterId` in it, stored. */
async function sharedBy(inviterId: string, campaignId = randomId('c'), candidateId = 'alice') {
  const target = { campaignId, candidateId, inviterId };
  const token = issue(target);
  await saveShareToken(models.shareTokens, token, target);
  return { campaignId, token };
}

const vote = (campaignId: string, inviteeId: string, shareToken: string): ReferralCandidate => ({
  voteId: randomId('v'),
  campaignId,
  inviteeId,
  shareToken,
  at: new Date(),
});

describe('createShareTokenIssuer', () => {
  it('issues 22 base64url characters, a valid share token and a valid WeChat scene', () => {
    const token = issue({ campaignId: 'c1', candidateId: 'alice', inviterId: 'p1' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(shareTokenSchema.safeParse(token).success).toBe(true);
    expect(token).toMatch(SCENE);
  });

  it('gives the same sharer of the same candidate the same token, and anything else another', () => {
    const target = { campaignId: 'c1', candidateId: 'alice', inviterId: 'p1' };
    const token = issue(target);
    expect(issue({ ...target })).toBe(token);
    const others = [
      issue({ ...target, campaignId: 'c2' }),
      issue({ ...target, candidateId: 'bob' }),
      issue({ ...target, inviterId: 'p2' }),
      // The separator keeps fields apart that concatenate alike.
      issue({ campaignId: 'c1a', candidateId: 'lice', inviterId: 'p1' }),
      createShareTokenIssuer('another secret of at least thirty-two characters')(target),
    ];
    expect(new Set([token, ...others]).size).toBe(others.length + 1);
  });

  it('issues distinct tokens over many sharers', () => {
    const tokens = Array.from({ length: 5_000 }, (_, i) =>
      issue({ campaignId: 'c1', candidateId: 'alice', inviterId: `p${i}` }),
    );
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

describe('saveShareToken', () => {
  it('stores a token once however often, and however concurrently, it is saved', async () => {
    const target = { campaignId: randomId('c'), candidateId: 'alice', inviterId: randomId('p') };
    const token = issue(target);
    const first = new Date('2026-11-20T08:00:00Z');
    await Promise.all(
      Array.from({ length: 8 }, () => saveShareToken(models.shareTokens, token, target, first)),
    );
    await saveShareToken(models.shareTokens, token, target, new Date());
    expect(await models.shareTokens.find({ campaignId: target.campaignId }).lean()).toEqual([
      { _id: token, ...target, createdAt: first },
    ]);
  });
});

describe('recordReferrals', () => {
  it("records the inviter, the token's candidate and the vote that made the referral", async () => {
    const inviter = randomId('p');
    const invitee = randomId('p');
    const { campaignId, token } = await sharedBy(inviter, undefined, 'bob');
    const made = vote(campaignId, invitee, token);
    expect(await recordReferrals(models, [made])).toBe(1);
    expect(await models.referrals.findById(referralIdOf(campaignId, invitee)).lean()).toEqual({
      _id: referralIdOf(campaignId, invitee),
      campaignId,
      candidateId: 'bob',
      inviterId: inviter,
      inviteeId: invitee,
      shareToken: token,
      firstVoteId: made.voteId,
      at: made.at,
    });
  });

  it('ignores a token the voter shared themselves', async () => {
    const inviter = randomId('p');
    const { campaignId, token } = await sharedBy(inviter);
    expect(await recordReferrals(models, [vote(campaignId, inviter, token)])).toBe(0);
    expect(await models.referrals.countDocuments({ campaignId })).toBe(0);
  });

  it('ignores an unknown token and a token of another campaign', async () => {
    const { token } = await sharedBy(randomId('p'));
    const campaignId = randomId('c');
    const invitee = randomId('p');
    const unknown = issue({ campaignId, candidateId: 'alice', inviterId: 'nobody' });
    expect(
      await recordReferrals(models, [vote(campaignId, invitee, token), vote(campaignId, invitee, unknown)]),
    ).toBe(0);
    expect(await models.referrals.countDocuments({ campaignId })).toBe(0);
  });

  it('keeps the first referral of an invitee in a campaign, in one call and in later ones', async () => {
    const campaignId = randomId('c');
    const first = await sharedBy(randomId('p'), campaignId);
    const second = await sharedBy(randomId('p'), campaignId);
    const invitee = randomId('p');
    const made = vote(campaignId, invitee, first.token);
    expect(await recordReferrals(models, [made, vote(campaignId, invitee, second.token)])).toBe(1);
    expect(await recordReferrals(models, [vote(campaignId, invitee, second.token)])).toBe(0);
    // The same votes again: nothing new (a re-delivered job).
    expect(await recordReferrals(models, [made])).toBe(0);
    const referrals = await models.referrals.find({ campaignId }).lean();
    expect(referrals.map((r) => [r.inviteeId, r.shareToken, r.firstVoteId])).toEqual([
      [invitee, first.token, made.voteId],
    ]);
  });

  it('makes one referral of racing attributions of one invitee by different inviters', async () => {
    const campaignId = randomId('c');
    const shares = await Promise.all(Array.from({ length: 6 }, () => sharedBy(randomId('p'), campaignId)));
    const invitee = randomId('p');
    const results = await Promise.all(
      shares.map(({ token }) => recordReferrals(models, [vote(campaignId, invitee, token)])),
    );
    expect(results.reduce((a, b) => a + b, 0)).toBe(1);
    const referrals = await models.referrals.find({ campaignId }).lean();
    expect(referrals).toHaveLength(1);
    const winner = shares.findIndex(({ token }) => token === referrals[0]?.shareToken);
    expect(results[winner]).toBe(1);
  });

  it('throws, for the attribution to run again, when the write concern was not met beside a referral already there', async () => {
    const campaignId = randomId('c');
    const { token } = await sharedBy(randomId('p'), campaignId);
    const [known, invitee] = [randomId('p'), randomId('p')];
    await recordReferrals(models, [vote(campaignId, known, token)]);
    const present = await models.referrals.findById(referralIdOf(campaignId, known)).lean();
    if (!present) throw new Error('the first referral was not recorded');
    const fresh = { ...present, _id: referralIdOf(campaignId, invitee), inviteeId: invitee };
    const answered = await unmetWriteConcern(models.referrals.collection, [present], [fresh]);
    const insert = vi.spyOn(models.referrals.collection, 'insertMany').mockRejectedValue(answered);
    try {
      await expect(
        recordReferrals(models, [vote(campaignId, known, token), vote(campaignId, invitee, token)]),
      ).rejects.toBe(answered);
    } finally {
      insert.mockRestore();
    }
  });

  it('gives an invitee a referral of their own in each campaign', async () => {
    const invitee = randomId('p');
    const a = await sharedBy(randomId('p'));
    const b = await sharedBy(randomId('p'));
    expect(
      await recordReferrals(models, [
        vote(a.campaignId, invitee, a.token),
        vote(b.campaignId, invitee, b.token),
      ]),
    ).toBe(2);
  });
});
