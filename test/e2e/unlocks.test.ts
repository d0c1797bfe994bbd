import type { UnlockableView } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../../server/test/support/hosts.js';
import { participantToken } from '../support/participants.js';
import { rewardPass } from '../support/rewards.js';
import {
  config,
  decided,
  held,
  host,
  liveCampaign,
  mongo,
  reviewed,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';

// Like-to-unlock through the real pipeline: an item opens for the participant whose counted like
// stands (and closes again when that like is voided), a shared goal opens for everyone once the
// candidate has its counted likes, and a locked item's content never reaches a client.
useRiskReviewStack();

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

/** The raw answer a participant's client gets, and its items. */
async function seenBy(participantId: string, campaignId: string) {
  const res = await fetch(`${server.url}/api/me/unlockables?campaignId=${campaignId}`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  expect(res.status).toBe(200);
  const raw = await res.text();
  return { raw, items: (JSON.parse(raw) as { items: UnlockableView[] }).items };
}

const SECRET = '幕后花絮：排练那天的故事';
const SHARED = '全体解锁：冠军感言视频';

describe('like-to-unlock', () => {
  it('opens per participant on a counted like, for everyone at a shared goal, and never sends locked content', async () => {
    const voteCampaign = await liveCampaign();
    const onVotes = await asHost('POST', `/api/campaigns/${voteCampaign}/unlockables`, {
      candidateId: 'alice',
      title: '花絮',
      text: SECRET,
      unlock: { kind: 'my-like' },
    });
    expect(codeOf(onVotes)).toBe('INVALID_INPUT');

    const campaignId = await liveCampaign({ kind: 'like' });
    const add = (body: Record<string, unknown>) =>
      asHost<UnlockableView>('POST', `/api/campaigns/${campaignId}/unlockables`, body);
    expect(codeOf(await add({ candidateId: 'alice', title: '空的', unlock: { kind: 'my-like' } }))).toBe(
      'INVALID_INPUT',
    );
    const own = await add({
      candidateId: 'alice',
      title: '爱丽丝的花絮',
      text: SECRET,
      imageUrl: 'https://cdn.example.com/backstage.jpg',
      unlock: { kind: 'my-like' },
    });
    expect(own.status).toBe(201);
    expect(own.body.content?.text).toBe(SECRET);
    const shared = await add({
      candidateId: 'bob',
      title: '鲍勃的感言',
      text: SHARED,
      unlock: { kind: 'shared-goal', likes: 2 },
    });
    expect(shared.body.how).toBe('「bob」获得 2 个有效点赞后，所有人解锁');

    const fans = Array.from({ length: 3 }, (_, i) => ({
      participantId: `p-unlock${i}-${campaignId}`,
      ip: `203.0.113.${140 + i}`,
      deviceId: `dev-unlock-${i}`,
      dwellMs: 4_000 + i * 600,
    }));
    const [ann, ben, cat] = fans as [(typeof fans)[0], (typeof fans)[0], (typeof fans)[0]];
    let seen = await seenBy(ann.participantId, campaignId);
    expect(seen.items.map((i) => [i.title, i.locked, i.content])).toEqual([
      ['爱丽丝的花絮', true, undefined],
      ['鲍勃的感言', true, undefined],
    ]);
    expect(seen.items[1]?.progress).toEqual({ likes: 0, goal: 2 });
    expect(seen.raw).not.toContain(SECRET);
    expect(seen.raw).not.toContain('backstage.jpg');
    expect(seen.raw).not.toContain(SHARED);

    // ann's like of alice counts: the item opens for her, and for nobody else.
    await vote(campaignId, 'alice', ann, 'like');
    await decided(campaignId, 1);
    seen = await seenBy(ann.participantId, campaignId);
    expect(seen.items[0]).toMatchObject({
      locked: false,
      content: { text: SECRET, imageUrl: 'https://cdn.example.com/backstage.jpg' },
    });
    const other = await seenBy(ben.participantId, campaignId);
    expect(other.items[0]?.locked).toBe(true);
    expect(other.raw).not.toContain(SECRET);

    // Two counted likes of bob: the shared goal opens for everyone, cat who liked nothing too.
    await vote(campaignId, 'bob', ann, 'like');
    await vote(campaignId, 'bob', ben, 'like');
    await decided(campaignId, 3);
    const everyone = await seenBy(cat.participantId, campaignId);
    expect(everyone.items[1]).toMatchObject({
      locked: false,
      progress: { likes: 2, goal: 2 },
      content: { text: SHARED },
    });
    expect(everyone.raw).not.toContain(SECRET);

    // ann's like of alice voided: her item closes again.
    await reviewed(campaignId, 'review/void-by-rule', {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      candidateId: 'alice',
    });
    seen = await seenBy(ann.participantId, campaignId);
    expect(seen.items[0]?.locked).toBe(true);
    expect(seen.raw).not.toContain(SECRET);

    // The host reads every item whole.
    const all = await asHost<{ items: UnlockableView[] }>('GET', `/api/campaigns/${campaignId}/unlockables`);
    expect(all.body.items.map((i) => i.content?.text)).toEqual([SECRET, SHARED]);
  });

  it('opens nothing for a held like until a host approves it', async () => {
    const campaignId = await liveCampaign({ kind: 'like' });
    const item = await asHost<UnlockableView>('POST', `/api/campaigns/${campaignId}/unlockables`, {
      candidateId: 'alice',
      title: '爱丽丝的花絮',
      text: SECRET,
      unlock: { kind: 'my-like' },
    });
    expect(item.status).toBe(201);
    // Two accounts on one phone: this campaign holds the second for review.
    const tightened = await asHost('PATCH', `/api/campaigns/${campaignId}/risk/settings`, {
      rules: { deviceAccounts: { threshold: 2, action: 'review' } },
    });
    expect(tightened.status).toBe(200);
    const on = (name: string, i: number) => ({
      participantId: `p-${name}-${campaignId}`,
      ip: `203.0.113.${150 + i}`,
      deviceId: `dev-shared-${campaignId}`,
      dwellMs: 4_000 + i * 500,
    });
    const [first, second] = [on('first', 0), on('second', 1)];
    await vote(campaignId, 'alice', first, 'like');
    await decided(campaignId, 1);
    const likeId = await vote(campaignId, 'alice', second, 'like');
    await decided(campaignId, 2);
    await held(campaignId, 2, 'the shared phone held');
    let seen = await seenBy(second.participantId, campaignId);
    expect(seen.items[0]?.locked).toBe(true);
    expect(seen.raw).not.toContain(SECRET);
    await reviewed(campaignId, 'review', { decision: 'approve', select: { voteIds: [likeId] } });
    seen = await seenBy(second.participantId, campaignId);
    expect(seen.items[0]).toMatchObject({ locked: false, content: { text: SECRET } });
  });

  it('opens content a reward rule gives, on a vote campaign, and closes it when the vote that earned it is voided', async () => {
    const campaignId = await liveCampaign();
    const item = await asHost<UnlockableView>('POST', `/api/campaigns/${campaignId}/unlockables`, {
      candidateId: 'alice',
      title: '投票花絮',
      text: SECRET,
      unlock: { kind: 'reward' },
    });
    expect(item.status).toBe(201);
    const ruleOn = (unlockableId: string) =>
      asHost<{ terms: string }>('POST', `/api/campaigns/${campaignId}/reward-rules`, {
        name: '投票看花絮',
        trigger: { kind: 'first-of-day' },
        reward: { kind: 'unlock', unlockableId },
      });
    const voter = {
      participantId: `p-unlock-vote-${campaignId}`,
      ip: '203.0.113.150',
      deviceId: 'dev-unlock-vote',
      dwellMs: 4_200,
    };
    const added = await ruleOn(item.body.id);
    expect(added.status).toBe(201);
    expect(added.body.terms).toContain('解锁内容「投票花絮」');
    let seen = await seenBy(voter.participantId, campaignId);
    expect(seen.items[0]).toMatchObject({ locked: true });
    expect(seen.raw).not.toContain(SECRET);

    await vote(campaignId, 'bob', voter);
    await decided(campaignId, 1);
    await rewardPass(server, mongo, config);
    seen = await seenBy(voter.participantId, campaignId);
    expect(seen.items[0]).toMatchObject({ locked: false, content: { text: SECRET } });
    expect((await seenBy(`p-other-${campaignId}`, campaignId)).raw).not.toContain(SECRET);

    await reviewed(campaignId, 'review/void-by-rule', {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      candidateId: 'bob',
    });
    await rewardPass(server, mongo, config);
    seen = await seenBy(voter.participantId, campaignId);
    expect(seen.items[0]?.locked).toBe(true);
    expect(seen.raw).not.toContain(SECRET);
  });
});
