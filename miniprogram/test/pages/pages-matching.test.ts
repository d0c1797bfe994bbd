import { ledgerModel, matchModel } from '@rallyboard/core/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestWorker } from '../../../test/support/stack.js';
import { campaignId, config, mongo, open, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// 公益配捐 on the campaign page, as a participant sees it: the sponsor's pledge in words, and what
// counted votes have matched so far, rising when their own vote counts.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
usePagesStack({ worker: () => worker });

beforeAll(async () => {
  await matchModel(mongo).create({
    _id: 'dmpagesmatch',
    campaignId,
    sponsor: '爱心企业',
    cause: '山区儿童图书角',
    perVoteFen: 50,
    capFen: 100_000,
    createdAt: new Date(),
    createdBy: 'h-test',
  });
  worker = await startTestWorker(config, mongo);
});
afterAll(async () => {
  await matchModel(mongo).deleteOne({ _id: 'dmpagesmatch' });
});

describe('公益配捐 on the campaign page', () => {
  it("shows the pledge's terms and what counted votes matched, and a counted vote adds to it", async () => {
    const before = await ledgerModel(mongo).countDocuments({ boardId: campaignId, verdict: 'counted' });
    let campaign = await open('pages/campaign/index', { campaignId });
    expect(textsOf(campaign, '.matching-terms')).toEqual([
      '公益配捐：爱心企业 为本活动的每一票有效投票（或点赞）配捐 ¥0.50，上限 ¥1,000.00，用于山区儿童图书角。配捐金额按计入排名的票数计算，被判无效的票不计。',
    ]);
    const shown = (n: number) => `已配捐 ¥${(n * 0.5).toFixed(2)} / ¥1,000.00`;
    expect(textsOf(campaign, '.matching-progress')).toEqual([shown(before)]);

    campaign.querySelector('.vote-button')?.dispatchEvent('tap');
    await eventually(
      async () =>
        (await ledgerModel(mongo).countDocuments({ boardId: campaignId, verdict: 'counted' })) > before,
    );
    await eventually(async () => {
      campaign = await open('pages/campaign/index', { campaignId });
      await settle();
      return textsOf(campaign, '.matching-progress')[0] === shown(before + 1);
    });
  });
});
