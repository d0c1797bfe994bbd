import { campaignModel } from '@rallyboard/core/db';
import { type CampaignStatus, dayOf } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt, setBoardStatus } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually, seedBoard } from '../../../test/support/stack.js';
import { config, mongo, open, server, usePagesStack } from '../support/pages-fixture.js';
import { textsOf } from '../support/simulate.js';

// A campaign's status moving while its pages are open: its start and its end (the buttons), and
// the host's freeze (the ranking's 已封榜 banner). No page is pulled down.
usePagesStack();

/** A campaign of its own, `status` now, starting at `startAt` (an hour ago unless said). */
async function campaignOf(status: CampaignStatus, startAt = new Date(Date.now() - 3_600_000)) {
  const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
  await createLiveCampaign(mongo, boardId, {
    title: `状态 ${boardId}`,
    status,
    schedule: { startAt, endAt: new Date(Date.now() + 86_400_000), timezone: 'Asia/Shanghai' },
  });
  await setBoardStatus(server.deps.redis, server.deps.keys, boardId, status);
  return boardId;
}

/** Moves a campaign as the host or the schedule worker does: MongoDB first, then its board. */
async function move(boardId: string, status: CampaignStatus) {
  await campaignModel(mongo).updateOne({ _id: boardId }, { $set: { status } });
  await setBoardStatus(server.deps.redis, server.deps.keys, boardId, status);
}

describe('a campaign that starts while its pages are open', () => {
  it('opens the vote buttons of the campaign and candidate pages once it has started', async () => {
    const startAt = new Date(Date.now() + 2_000);
    const boardId = await campaignOf('scheduled', startAt);
    const campaign = await open('pages/campaign/index', { campaignId: boardId });
    const candidate = await open('pages/candidate/index', { campaignId: boardId, candidateId: 'alice' });
    expect(campaign.instance.data.canVote).toBe(false);
    expect(candidate.instance.data.canVote).toBe(false);
    expect(textsOf(campaign, '.hint')).toContain('当前不在投票时间内');

    // The schedule worker starts it a moment after its time.
    await new Promise((resolve) => setTimeout(resolve, startAt.getTime() + 500 - Date.now()));
    await move(boardId, 'live');
    await eventually(
      async () => campaign.instance.data.canVote === true && candidate.instance.data.canVote === true,
      15_000,
      'the buttons open',
    );
    expect(campaign.instance.data.statusLabel).toBe('进行中');
    expect(textsOf(campaign, '.hint')).not.toContain('当前不在投票时间内');
    expect(textsOf(candidate, '.hint')).not.toContain('当前不在投票时间内');
    campaign.instance.onUnload();
    candidate.instance.onUnload();
  });

  it('reads the status again when shown again: a campaign ended meanwhile closes its buttons', async () => {
    const boardId = await campaignOf('live');
    const campaign = await open('pages/campaign/index', { campaignId: boardId });
    const candidate = await open('pages/candidate/index', { campaignId: boardId, candidateId: 'bob' });
    expect(campaign.instance.data.canVote).toBe(true);
    expect(candidate.instance.data.canVote).toBe(true);
    const pages = [campaign, candidate].map(
      (p) => p.instance as unknown as { onHide(): void; onShow(): void },
    );
    for (const page of pages) page.onHide();
    // The host ends it early, while the participant is in another app.
    await move(boardId, 'ended');
    for (const page of pages) page.onShow();
    await eventually(
      async () => campaign.instance.data.canVote === false && candidate.instance.data.canVote === false,
      10_000,
      'the buttons close',
    );
    expect(campaign.instance.data.statusLabel).toBe('已结束');
    campaign.instance.onUnload();
    candidate.instance.onUnload();
  });
});

describe('the ranking page while the host freezes the ranking, then ends the campaign', () => {
  it('shows 已封榜 once frozen, and no longer once the campaign has ended', async () => {
    const boardId = await campaignOf('live');
    const page = await open('pages/ranking/index', { campaignId: boardId });
    await eventually(async () => page.instance.data.connected === true, 10_000, 'the live ranking');
    expect(textsOf(page, '.frozen')).toEqual([]);

    await move(boardId, 'frozen');
    await eventually(async () => textsOf(page, '.frozen').length === 1, 10_000, 'the 已封榜 banner');
    expect(textsOf(page, '.frozen')).toEqual(['已封榜：排行停在封榜时，计票仍在继续']);

    await move(boardId, 'ended');
    await eventually(async () => textsOf(page, '.frozen').length === 0, 10_000, 'the banner gone');
    page.instance.onUnload();
  });
});

describe('the ranking page when the host freezes the ranking in the same relay tick as a vote', () => {
  it('shows 已封榜 at once, although the freeze’s reset moved the seq as a diff would', async () => {
    const boardId = await campaignOf('live');
    const page = await open('pages/ranking/index', { campaignId: boardId });
    await eventually(async () => page.instance.data.connected === true, 10_000, 'the live ranking');
    expect(page.instance.data.seq).toBe(0);

    // The relay hears neither change until both are made, so one tick takes both: it pushes one
    // reset, the freeze's, which carries the vote (seq 0 → 1).
    const { subscriber } = server.deps;
    if (!('stream' in subscriber)) throw new Error('the test server subscribes on a single Redis');
    subscriber.stream.pause();
    try {
      const now = Date.now();
      await applyVotes(
        server.deps.redis,
        server.deps.keys,
        boardId,
        [
          {
            voteId: `v-${boardId}`,
            candidateId: 'alice',
            action: 'vote',
            voterId: 'p-freeze',
            day: dayOf(now, 'Asia/Shanghai'),
            dayExpiresAt: dayExpiresAt(now, 8),
          },
        ],
        { dedupTtlSeconds: 3_600, origin: 'test' },
      );
      await move(boardId, 'frozen');
    } finally {
      subscriber.stream.resume();
    }
    await eventually(async () => page.instance.data.seq === 1, 10_000, 'the freeze’s reset');
    await eventually(async () => textsOf(page, '.frozen').length === 1, 5_000, 'the 已封榜 banner');
    expect(page.instance.data.totalVotes).toBe(1);
    page.instance.onUnload();
  });
});
