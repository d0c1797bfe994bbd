import { referralModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { eventually, startTestWorker } from '../../../test/support/stack.js';
import { campaignId, config, mongo, open, shim, usePagesStack } from '../support/pages-fixture.js';
import { type SimElement, textsOf } from '../support/simulate.js';

// 助力 as the sharer sees it: on their own "my votes" page, how many friends their links brought,
// with thanks, and nothing else: no reward, no points, no ranking of sharers, no call to invite
// more (WeChat forbids 利诱分享). Each sharer and friend is a WeChat user of their own: `user`
// changes between them.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
const sharer = randomId('sharer');
let user = sharer;
let logins = 0;
usePagesStack({ loginCode: () => `ok-${user}.${++logins}`, worker: () => worker });

/** Becomes another WeChat user on another phone. */
function switchTo(next: string): void {
  shim.storage.clear();
  user = next;
}

/** A friend opens my shared path and votes for the candidate it shares. */
async function friendVotesThrough(path: string): Promise<void> {
  switchTo(randomId('friend'));
  const token = /[?&]share=([A-Za-z0-9_-]+)/.exec(path)?.[1] ?? '';
  const page = await open('pages/candidate/index', { campaignId, candidateId: 'bob', share: token });
  worker ??= await startTestWorker(config, mongo);
  const before = shim.shown.length;
  page.querySelector('.vote-button')?.dispatchEvent('tap');
  await eventually(
    async () => shim.shown.slice(before).includes('投票成功，正在计票'),
    10_000,
    'the vote accepted',
  );
  page.instance.onUnload();
}

const pageText = (page: SimElement) => page.dom.textContent ?? '';

describe('my votes page, for a sharer', () => {
  it('says nothing of sharing until a friend came, then thanks me for how many', async () => {
    const candidate = await open('pages/candidate/index', { campaignId, candidateId: 'bob' });
    const { path } = candidate.instance.onShareAppMessage();
    const inviterId = (shim.storage.get('rallyboard.session') as { participantId: string }).participantId;
    candidate.instance.onUnload();
    let mine = await open('pages/my-votes/index', { campaignId });
    expect(textsOf(mine, '.thanks')).toEqual([]);
    expect(pageText(mine)).not.toContain('分享');

    await friendVotesThrough(path);
    await eventually(
      async () => (await referralModel(mongo).countDocuments({ campaignId, inviterId })) === 1,
      20_000,
      'the referral made',
    );
    // The friend brought no one: their page says nothing of it.
    const theirs = await open('pages/my-votes/index', { campaignId });
    expect(textsOf(theirs, '.thanks')).toEqual([]);

    switchTo(sharer);
    mine = await open('pages/my-votes/index', { campaignId });
    expect(textsOf(mine, '.thanks')).toEqual(['你的分享带来了 1 位好友参与投票，谢谢你！']);
    for (const word of ['奖', '积分', '排名', '第', '邀请', '更多', '赢']) {
      expect(pageText(mine), `"${word}" on the page`).not.toContain(word);
    }
  });
});
