import { ledgerModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually, seedBoard, startTestWorker } from '../../../test/support/stack.js';
import { config, mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// Campaigns of their own: a vote risk control holds for review, and likes taken back.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
usePagesStack({ worker: () => worker });

describe('a vote risk control holds', () => {
  it('shows in my votes as under review', async () => {
    const heldId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, heldId, {
      title: `审核 ${heldId}`,
      kind: 'vote',
      members: [
        { candidateId: 'alice', name: '爱丽丝' },
        { candidateId: 'bob', name: '鲍勃' },
      ],
      // A tap within a minute of the page showing goes to review: every tap in a test does.
      risk: { rules: { fastTap: { threshold: 60_000, action: 'review' } } },
    });
    worker ??= await startTestWorker(config, mongo);
    const page = await open('pages/campaign/index', { campaignId: heldId });
    page.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.at(-1) === '投票成功，正在计票', 10_000, 'the vote accepted');
    page.instance.onUnload();
    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: heldId })) === 1,
      20_000,
      'the vote decided',
    );
    const mine = await open('pages/my-votes/index', { campaignId: heldId });
    expect(textsOf(mine, '.status')).toEqual(['审核中']);
    expect(textsOf(mine, '.what')).toEqual(['投票 · 鲍勃']);
    expect(textsOf(mine, '.reason')).toEqual([]);
  });
});

describe('a like campaign', () => {
  it('likes and unlikes on taps, and shows what I like when I come back', async () => {
    const likeId = await seedBoard(config, server.deps.redis, mongo, ['p1', 'p2'], { kind: 'like' });
    await createLiveCampaign(mongo, likeId, {
      title: `最美照片 ${likeId}`,
      kind: 'like',
      members: [
        { candidateId: 'p1', name: '日出' },
        { candidateId: 'p2', name: '海边' },
      ],
      risk: { enabled: false },
    });
    worker ??= await startTestWorker(config, mongo);
    const page = await open('pages/campaign/index', { campaignId: likeId });
    expect(textsOf(page, '.vote-button')).toEqual(['点赞', '点赞']);
    expect(textsOf(page, '.quota')).toEqual([]);

    page.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.at(-1) === '已点赞', 10_000, 'the like shown');
    await settle();
    expect(textsOf(page, '.vote-button')).toEqual(['点赞', '取消点赞']);
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'p2', action: 'like' });
    page.instance.onUnload();

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId: likeId })) === 1,
      20_000,
      'the like decided',
    );
    const back = await open('pages/campaign/index', { campaignId: likeId });
    expect(textsOf(back, '.vote-button')).toEqual(['点赞', '取消点赞']);
    back.querySelectorAll('.vote-button')[1]?.dispatchEvent('tap');
    await eventually(async () => shim.shown.at(-1) === '已取消点赞', 10_000, 'the unlike shown');
    await settle();
    expect(textsOf(back, '.vote-button')).toEqual(['点赞', '点赞']);
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'p2', action: 'unlike' });
    back.instance.onUnload();
  });
});
