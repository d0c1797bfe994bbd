import { dayOf, groupIdOf } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { eventually, seedBoard } from '../../../test/support/stack.js';
import {
  config,
  configureMiniProgram,
  mongo,
  open,
  server,
  shim,
  usePagesStack,
} from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// The ranking page's group filter (every candidate, the groups, one group), and its rows sliding
// to their new places as the live ranking reorders.
usePagesStack();

const GROUPS = { alice: '一班', bob: '一班', carol: '二班' };
const NAMES: Record<string, string> = { alice: '爱丽丝', bob: '鲍勃', carol: '卡罗尔' };

async function groupedCampaign(): Promise<string> {
  const candidateIds = Object.keys(GROUPS);
  const id = await seedBoard(config, server.deps.redis, mongo, candidateIds, { groups: GROUPS });
  await createLiveCampaign(mongo, id, {
    title: `班级之星 ${id}`,
    kind: 'vote',
    members: candidateIds.map((candidateId) => ({
      candidateId,
      name: NAMES[candidateId] as string,
      group: GROUPS[candidateId as keyof typeof GROUPS],
    })),
    schedule: {
      startAt: new Date(Date.now() - 3_600_000),
      endAt: new Date(Date.now() + 2 * 86_400_000),
      timezone: 'Asia/Shanghai',
    },
    risk: { enabled: false },
  });
  return id;
}

/** Counts votes now, as the workers would. */
async function count(boardId: string, candidateIds: string[]) {
  const result = await applyVotes(
    server.deps.redis,
    server.deps.keys,
    boardId,
    candidateIds.map((candidateId) => ({
      voteId: randomId('v'),
      candidateId,
      action: 'vote' as const,
      voterId: randomId('p'),
      day: dayOf(Date.now(), 'Asia/Shanghai'),
      dayExpiresAt: dayExpiresAt(Date.now(), 8),
    })),
    { dedupTtlSeconds: 3_600, origin: 'test' },
  );
  if (result.outcome !== 'applied') throw new Error(`applyVotes answered ${result.outcome}`);
}

type Page = Awaited<ReturnType<typeof open>>;
const rows = (page: Page) =>
  textsOf(page, '.row .name').map((name, i) => `${name} ${textsOf(page, '.row .score')[i]}`);
const pick = async (page: Page, label: string) => {
  page.querySelectorAll('.filter')[textsOf(page, '.filter').indexOf(label)]?.dispatchEvent('tap');
  await settle();
  expect(textsOf(page, '.filter.active')).toEqual([label]);
};

describe('the ranking page of a campaign with groups', () => {
  it('filters by group, ranks the groups by their totals, and pins my candidate or its group', async () => {
    const boardId = await groupedCampaign();
    await count(boardId, ['carol', 'carol', 'carol', 'alice', 'bob', 'bob']);
    const page = await open('pages/ranking/index', { campaignId: boardId, candidateId: 'alice' });
    await eventually(async () => rows(page).length === 3, 10_000, 'the ranking');
    expect(textsOf(page, '.filter')).toEqual(['全部', '分组排名', '一班', '二班']);
    expect(textsOf(page, '.filter.active')).toEqual(['全部']);

    await pick(page, '分组排名');
    // Tied at 3: 二班 got there first (carol's third vote), 一班 with bob's second.
    await eventually(async () => rows(page).join() === '二班 3 票,一班 3 票', 10_000, 'the groups');
    // On the groups' ranking my candidate's group is pinned.
    await eventually(
      async () => (textsOf(page, '.pinned-title')[0] ?? '').includes('一班'),
      10_000,
      'the pinned group',
    );

    await pick(page, '一班');
    await eventually(async () => rows(page).join() === '鲍勃 2 票,爱丽丝 1 票', 10_000, 'the group');
    await eventually(
      async () => (textsOf(page, '.pinned-title')[0] ?? '') === '我支持的 爱丽丝：第 2 名 · 1 票',
      10_000,
      'alice pinned within her group',
    );
    // Live within the group.
    await count(boardId, ['alice', 'alice']);
    await eventually(async () => rows(page).join() === '爱丽丝 3 票,鲍勃 2 票', 10_000, 'the live group');

    // Another group: alice is not in it, so nothing is pinned.
    await pick(page, '二班');
    await eventually(async () => rows(page).join() === '卡罗尔 3 票', 10_000, 'the other group');
    expect(textsOf(page, '.pinned')).toEqual([]);
    expect(page.instance.data.filter).toBe(groupIdOf('二班'));
    page.instance.onUnload();
  });

  it('slides the rows that change places from where they stood to their new ranks', async () => {
    const boardId = await groupedCampaign();
    await count(boardId, ['carol', 'carol', 'bob']);
    const page = await open('pages/ranking/index', { campaignId: boardId });
    await eventually(
      async () =>
        rows(page).join() === '卡罗尔 2 票,鲍勃 1 票,爱丽丝 0 票' && page.instance.data.connected === true,
      10_000,
      'the ranking',
    );
    // Every rows update the page draws, in order.
    const drawn: { candidateId: string; shift: number }[][] = [];
    const instance = page.instance as unknown as {
      setData(data: Record<string, unknown>, rendered?: () => void): void;
    };
    const setData = instance.setData.bind(instance);
    instance.setData = (data, rendered) => {
      if (Array.isArray(data.rows)) drawn.push(data.rows as { candidateId: string; shift: number }[]);
      setData(data, rendered);
    };
    // Alice overtakes both.
    await count(boardId, ['alice', 'alice', 'alice']);
    await eventually(
      async () => rows(page).join() === '爱丽丝 3 票,卡罗尔 2 票,鲍勃 1 票',
      10_000,
      'the reorder',
    );
    const moved = drawn.find((r) => r.some((row) => row.shift !== 0));
    // Alice was third: she starts two rows (2 × 96rpx) below her new place; the others one row above theirs.
    expect(moved?.map((row) => [row.candidateId, row.shift])).toEqual([
      ['alice', 192],
      ['carol', -96],
      ['bob', -96],
    ]);
    await eventually(
      async () => drawn.at(-1)?.every((row) => row.shift === 0) === true,
      5_000,
      'the slide home',
    );
    await settle(50);
    // Drawn home, with the transition that makes the move a slide (the simulator writes rpx as px).
    const settled = page.querySelectorAll('.row')[0]?.dom.getAttribute('style') ?? '';
    expect(settled).toMatch(/transform: translateY\(0(rpx|px)\)/);
    expect(settled).toContain('transition: transform 300ms');
    page.instance.onUnload();
  });

  it('stops paging without an error when the last page was full and nothing follows it', async () => {
    // 21 candidates, a live top 1: one page of 20 below it, and then the end.
    const candidateIds = Array.from({ length: 21 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
    const id = await seedBoard(config, server.deps.redis, mongo, candidateIds);
    await createLiveCampaign(mongo, id, {
      title: `百人榜 ${id}`,
      kind: 'vote',
      members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
      risk: { enabled: false },
    });
    configureMiniProgram({ rankTopN: 1 });
    try {
      const page = await open('pages/ranking/index', { campaignId: id });
      await eventually(
        async () => rows(page).length === 1 && page.instance.data.connected === true,
        10_000,
        'the live top 1',
      );
      const bottom = () => (page.instance as unknown as { onReachBottom(): Promise<void> }).onReachBottom();
      const shown = shim.shown.length;
      await bottom();
      expect(textsOf(page, '.row.more').length).toBe(20);
      expect(page.instance.data.hasMore).toBe(true);
      await bottom();
      await settle();
      expect(shim.requests.at(-1)?.url).toContain('offset=21');
      expect(page.instance.data.hasMore).toBe(false);
      expect(textsOf(page, '.footer')).toEqual(['没有更多了']);
      expect(shim.shown.slice(shown)).toEqual([]);
      page.instance.onUnload();
    } finally {
      configureMiniProgram({ rankTopN: 10 });
    }
  });
});
