import { entryModels, notificationModels } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { openEntries } from '../../../test/support/entries.js';
import { seedBoard } from '../../../test/support/stack.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { config, mongo, open, server, shim, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// A suggestion box (政务建议) in the mini-program: the suggestions with their status, one
// suggestion's reply and timeline, and liking it, whose tap asks to hear of its next move.
usePagesStack();

let made = 0;

/** A box with one suggestion under study: the box's id and the suggestion's. */
async function suggestionBox(): Promise<{ campaignId: string; SUGGESTION: string }> {
  const SUGGESTION = `eMPsuggestion000${++made}`;
  const campaignId = await seedBoard(config, server.deps.redis, mongo, [SUGGESTION], { kind: 'like' });
  await createLiveCampaign(mongo, campaignId, {
    title: '社区议事厅',
    kind: 'like',
    members: [{ candidateId: SUGGESTION, name: '东门加装路灯' }],
    risk: { enabled: false },
  });
  const models = entryModels(mongo);
  await openEntries(mongo, campaignId, { maxImages: 0, purpose: 'suggestions' });
  const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  await models.entries.create({
    _id: SUGGESTION,
    campaignId,
    userId: 'p-author',
    openid: 'o-author',
    ip: '127.0.0.1',
    title: '东门加装路灯',
    text: '晚上东门太暗',
    images: [],
    status: 'approved',
    textCheck: 'pass',
    candidateId: SUGGESTION,
    history: [
      { status: 'pending', at: at(60) },
      { status: 'approved', at: at(50) },
    ],
    progress: {
      status: 'under-study',
      history: [
        { status: 'received', at: at(50) },
        { status: 'under-study', at: at(10), reply: '已转交街道办研究' },
      ],
      reply: '已转交街道办研究',
    },
  });
  return { campaignId, SUGGESTION };
}

describe('a suggestion box in the mini-program', () => {
  it('lists the suggestions with their status and opens one', async () => {
    const { campaignId, SUGGESTION } = await suggestionBox();
    const list = await open('pages/suggestions/index', { campaignId });
    expect(textsOf(list, '.what')).toEqual(['东门加装路灯']);
    expect(textsOf(list, '.status')).toEqual(['研究中']);
    list.querySelector('.row')?.dispatchEvent('tap');
    await settle();
    expect(shim.navigations.at(-1)).toBe(
      `/pages/suggestion/index?campaignId=${campaignId}&entryId=${SUGGESTION}`,
    );
  });

  it('shows the reply and the timeline, and a like asks to hear of the next move', async () => {
    const { campaignId, SUGGESTION } = await suggestionBox();
    const page = await open('pages/suggestion/index', { campaignId, entryId: SUGGESTION });
    expect(textsOf(page, '.reply')).toEqual(['答复：已转交街道办研究']);
    expect(textsOf(page, '.step-label')).toEqual(['已受理', '研究中']);
    expect(textsOf(page, '.step-reply')).toEqual(['已转交街道办研究']);
    const prompts = shim.subscribePrompts.length;
    page.querySelector('.like')?.dispatchEvent('tap');
    const progress = TEST_TEMPLATES['suggestion-progress'].templateId;
    for (let i = 0; i < 100 && page.instance.data.liked !== true; i++) await settle(20);
    expect(page.instance.data.liked).toBe(true);
    expect(shim.subscribePrompts.slice(prompts)).toEqual([[progress]]);
    const grants = await notificationModels(mongo).grants.find({ campaignId }).lean();
    expect(grants).toMatchObject([{ templateId: progress, subject: `${SUGGESTION}@under-study` }]);
  });

  it('asks on every tap of 进度通知我: each accept allows one message', async () => {
    const { campaignId, SUGGESTION } = await suggestionBox();
    const page = await open('pages/suggestion/index', { campaignId, entryId: SUGGESTION });
    const prompts = shim.subscribePrompts.length;
    for (const _ of [1, 2]) {
      page.querySelector('.follow')?.dispatchEvent('tap');
      for (let i = 0; i < 50 && shim.subscribePrompts.length - prompts < _; i++) await settle(20);
      await settle(50);
    }
    expect(shim.subscribePrompts.length - prompts).toBe(2);
    expect(shim.shown.filter((s) => s === '有进展时会通知你').length).toBeGreaterThanOrEqual(1);
  });
});
