import { unlockableModel } from '@rallyboard/core/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { eventually, seedBoard, startTestWorker } from '../../../test/support/stack.js';
import { config, mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { type SimElement, textsOf } from '../support/simulate.js';

// 点赞解锁 on the candidate page of a like campaign, as participants use it: what is locked shows
// how it opens and never its content; a like, once the workers count it, opens the item mine
// opens; a shared goal shows its progress, and opens for everyone once reached. Each participant
// is a WeChat user of their own: `user` changes between them.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
const first = randomId('fan');
let user = first;
let logins = 0;
usePagesStack({ loginCode: () => `ok-${user}.${++logins}`, worker: () => worker });

const MINE = '拍摄那天下了一整天的雨，我们等到傍晚才等到这束光。';
const SHARED = '送给每一位点赞的朋友：日出原图的高清壁纸。';
const OTHER = '海边那张是在退潮时拍的。';
let likeId: string;

beforeAll(async () => {
  likeId = await seedBoard(config, server.deps.redis, mongo, ['p1', 'p2'], { kind: 'like' });
  await createLiveCampaign(mongo, likeId, {
    title: `最美照片 ${likeId}`,
    kind: 'like',
    members: [
      { candidateId: 'p1', name: '日出' },
      { candidateId: 'p2', name: '海边' },
    ],
    risk: { enabled: false },
  });
  // Written directly: the host API wants a WeChat-bound host, and is tested on the server. Each a
  // second after the one before: the items come in the order they were added, and a tie has none.
  const added = Date.now() - 60_000;
  const items = [
    { _id: 'ulpagesmine1', candidateId: 'p1', title: '幕后花絮', text: MINE, unlock: { kind: 'my-like' } },
    {
      _id: 'ulpagesgoal1',
      candidateId: 'p1',
      title: '高清壁纸',
      text: SHARED,
      unlock: { kind: 'shared-goal', likes: 2 },
    },
    { _id: 'ulpagesbob01', candidateId: 'p2', title: '海边花絮', text: OTHER, unlock: { kind: 'my-like' } },
  ] as const;
  await unlockableModel(mongo).create(
    items.map((item, n) => ({
      ...item,
      campaignId: likeId,
      createdAt: new Date(added + n * 1_000),
      createdBy: 'h-test',
    })),
  );
  worker = await startTestWorker(config, mongo);
});

const textOf = (page: SimElement) => page.dom.textContent ?? '';
/** WeChat hides a page when another covers it or the app goes to the background. */
const hide = (page: { instance: unknown }) => (page.instance as { onHide(): void }).onHide();

/** Taps the like button and waits for the toast that says the like was accepted. */
async function like(page: SimElement): Promise<void> {
  const before = shim.shown.length;
  page.querySelector('.vote-button')?.dispatchEvent('tap');
  await eventually(async () => shim.shown.slice(before).includes('已点赞'), 10_000, 'the like accepted');
}

describe('点赞解锁 on the candidate page', () => {
  it('shows a locked item without its content, and opens it once my like counts', async () => {
    const page = await open('pages/candidate/index', { campaignId: likeId, candidateId: 'p1' });
    expect(textsOf(page, '.unlock-title')).toEqual(['幕后花絮', '高清壁纸']);
    expect(textsOf(page, '.unlock-lock')).toEqual(['🔒 未解锁', '🔒 未解锁']);
    expect(textsOf(page, '.unlock-how')).toEqual([
      '为「日出」点赞（计入排名）后解锁',
      '「日出」获得 2 个有效点赞后，所有人解锁',
    ]);
    expect(textsOf(page, '.unlock-progress')).toEqual(['0 / 2 赞']);
    expect(textsOf(page, '.unlock-text')).toEqual([]);
    const shown = textOf(page);
    expect(shown).not.toContain(MINE);
    expect(shown).not.toContain(SHARED);
    // Another candidate's item is not this page's.
    expect(shown).not.toContain('海边花絮');

    await like(page);
    // No reopening: the page reads again by itself once the workers have counted the like.
    await eventually(
      async () => textsOf(page, '.unlock-text').length > 0,
      20_000,
      'the item opened on the page',
    );
    expect(textsOf(page, '.unlock-text')).toEqual([MINE]);
    expect(textsOf(page, '.unlock-title')).toEqual(['幕后花絮', '高清壁纸']);
    expect(textsOf(page, '.unlock-lock')).toEqual(['🔒 未解锁']);
    expect(textsOf(page, '.unlock-progress')).toEqual(['1 / 2 赞']);
    expect(textsOf(page, '.score')).toEqual(['1 赞']);
    expect(textOf(page)).not.toContain(SHARED);
    page.instance.onUnload();
  });

  it('opens a shared goal for everyone once reached, and shows it when my page shows again', async () => {
    const mine = await open('pages/candidate/index', { campaignId: likeId, candidateId: 'p1' });
    expect(textsOf(mine, '.unlock-text')).toEqual([MINE]);
    // I leave the page (to the campaign page, another app) while a friend likes the photo.
    hide(mine);

    shim.storage.clear();
    user = randomId('friend');
    const theirs = await open('pages/candidate/index', { campaignId: likeId, candidateId: 'p1' });
    // My like opened my item, not theirs; the goal shows the like that counted.
    expect(textsOf(theirs, '.unlock-lock')).toEqual(['🔒 未解锁', '🔒 未解锁']);
    expect(textsOf(theirs, '.unlock-progress')).toEqual(['1 / 2 赞']);
    expect(textOf(theirs)).not.toContain(MINE);
    await like(theirs);
    await eventually(
      async () => textsOf(theirs, '.unlock-text').length === 2,
      20_000,
      'both items opened for the friend',
    );
    expect(textsOf(theirs, '.unlock-text')).toEqual([MINE, SHARED]);
    expect(textsOf(theirs, '.unlock-progress')).toEqual([]);
    theirs.instance.onUnload();

    // Back on my phone: my page shows again and reads again.
    shim.storage.clear();
    user = first;
    expect(textsOf(mine, '.unlock-text')).toEqual([MINE]);
    mine.instance.onShow();
    await eventually(
      async () => textsOf(mine, '.unlock-text').length === 2,
      10_000,
      'the shared goal opened on my page',
    );
    expect(textsOf(mine, '.unlock-text')).toEqual([MINE, SHARED]);
    expect(textsOf(mine, '.unlock-lock')).toEqual([]);
    mine.instance.onUnload();

    // 我的奖励 lists what is open to me, with its content; nothing locked.
    const rewards = await open('pages/my-rewards/index', { campaignId: likeId });
    expect(textsOf(rewards, '.unlocked-title')).toEqual(['幕后花絮', '高清壁纸']);
    expect(textsOf(rewards, '.unlocked-text')).toEqual([MINE, SHARED]);
    expect(textOf(rewards)).not.toContain('海边花絮');
  });
});
