import { beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { eventually } from '../../../test/support/stack.js';
import { mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { type SimElement, settle, textsOf } from '../support/simulate.js';

// 猜你喜欢 on the campaigns list, as a participant reads it: nothing before anyone signed in on
// the phone, the popular candidates and campaigns for a newcomer, then those whose tags their
// likes taught first, each opening its page. The interests are written as the workers write them
// for a counted like (a tag's weight in the participant's sorted set), without a worker.
usePagesStack();

/** A second campaign, tagged: its own tag 摄影 and one per candidate. */
const photo = randomId('c');

beforeAll(async () => {
  // Made before any recommendation is asked for: the server reads its catalogue for ten seconds.
  await createLiveCampaign(mongo, photo, {
    title: '摄影大赛',
    kind: 'like',
    tags: ['摄影'],
    members: [
      { candidateId: 'lens', name: '远山', tags: ['风光'] },
      { candidateId: 'film', name: '街角', tags: ['人像'] },
    ],
  });
});

const recommended = () => shim.requests.filter((r) => r.url.includes('/api/me/recommendations'));

/**
 * The suggestions as they read: each candidate's name, campaign and reason, then each campaign's
 * title and reason (the reasons in page order, the candidates' first).
 */
function picksOn(page: SimElement) {
  const reasons = textsOf(page, '.pick-reason');
  const names = textsOf(page, '.pick-name');
  const from = textsOf(page, '.pick-from');
  return {
    candidates: names.map((name, i) => ({ name, from: from[i], reason: reasons[i] })),
    campaigns: textsOf(page, '.pick-title').map((title, i) => ({
      title,
      reason: reasons[names.length + i],
    })),
  };
}

describe('猜你喜欢 on the campaigns list', () => {
  it('is not shown, nor asked for, before anyone signed in on the phone', async () => {
    shim.storage.clear();
    const before = recommended().length;
    const list = await open('pages/campaigns/index');
    expect(textsOf(list, '.title')).toContain('摄影大赛');
    expect(list.querySelector('.picks')).toBeUndefined();
    expect(recommended().length).toBe(before);
    // The list signs no one in for a suggestion.
    expect(shim.storage.has('rallyboard.session')).toBe(false);
  });

  it('gives a newcomer the popular ones, then what their interests teach first, each opening its page', async () => {
    // Signed in, as the launch's silent sign-in does, by a page that needs the session.
    await open('pages/my-rewards/index', { campaignId: photo });
    const { participantId } = shim.storage.get('rallyboard.session') as { participantId: string };

    const fresh = await open('pages/campaigns/index');
    expect(textsOf(fresh, '.picks-title')).toEqual(['猜你喜欢', '全部活动']);
    const { candidates: popular, campaigns } = picksOn(fresh);
    // Both campaigns' candidates (two each), none voted for yet: all of them, as popular.
    expect(popular).toHaveLength(4);
    expect(popular).toContainEqual({ name: '街角', from: '摄影大赛', reason: '热门' });
    expect(new Set(popular.map((c) => c.reason))).toEqual(new Set(['热门']));
    expect(campaigns.map((c) => c.reason)).toEqual(['热门', '热门']);

    // A like of a portrait taught 人像: 街角 comes first, and the campaign that has it.
    await server.deps.redis.zadd(server.deps.keys.interests.of(participantId), 1, '人像');
    const taught = await open('pages/campaigns/index');
    const picks = picksOn(taught);
    expect(picks.candidates[0]).toEqual({ name: '街角', from: '摄影大赛', reason: '因为你喜欢「人像」' });
    expect(picks.candidates.slice(1).map((c) => c.reason)).toEqual(['热门', '热门', '热门']);
    expect(picks.campaigns[0]).toEqual({ title: '摄影大赛', reason: '因为你喜欢「人像」' });

    taught.querySelector('.pick-candidate')?.dispatchEvent('tap');
    await settle();
    expect(shim.navigations.at(-1)).toBe(`/pages/candidate/index?campaignId=${photo}&candidateId=film`);
    taught.querySelector('.pick-campaign')?.dispatchEvent('tap');
    await settle();
    expect(shim.navigations.at(-1)).toBe(`/pages/campaign/index?campaignId=${photo}`);

    // Back on the list it asks again, so what they liked on the way is no longer suggested.
    const asked = recommended().length;
    taught.instance.onShow();
    await eventually(async () => recommended().length > asked, 5_000, 'asked again on show');

    // 个性化推荐 turned off: popular suggestions only, and what the likes taught is forgotten.
    expect(textsOf(taught, '.personalize-toggle')).toEqual(['关闭个性化推荐']);
    taught.querySelector('.personalize-toggle')?.dispatchEvent('tap');
    await eventually(
      async () => textsOf(taught, '.personalize-toggle')[0] === '开启个性化推荐',
      5_000,
      'turned off',
    );
    expect(textsOf(taught, '.picks-title')[0]).toBe('热门推荐');
    expect(new Set(picksOn(taught).candidates.map((c) => c.reason))).toEqual(new Set(['热门']));
    expect(await server.deps.redis.exists(server.deps.keys.interests.of(participantId))).toBe(0);
    taught.querySelector('.personalize-toggle')?.dispatchEvent('tap');
    await eventually(
      async () => textsOf(taught, '.personalize-toggle')[0] === '关闭个性化推荐',
      5_000,
      'on again',
    );
  });
});
