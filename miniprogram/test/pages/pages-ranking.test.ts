import { dayOf, periodStart } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { eventually } from '../../../test/support/stack.js';
import {
  campaignId,
  configureMiniProgram,
  open,
  server,
  shim,
  usePagesStack,
} from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// The ranking page's tabs: today, this week and all time, each its own live window.
usePagesStack();

const DAY_MS = 86_400_000;
const shift = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Counts votes for the days given, as the workers would. */
async function count(votes: [string, string][]) {
  const now = Date.now();
  const result = await applyVotes(
    server.deps.redis,
    server.deps.keys,
    campaignId,
    votes.map(([candidateId, day]) => ({
      voteId: randomId('v'),
      candidateId,
      action: 'vote' as const,
      // The campaign has a daily quota: each vote has a voter of its own.
      voterId: randomId('p'),
      day,
      dayExpiresAt: dayExpiresAt(now, 8),
    })),
    { dedupTtlSeconds: 3_600, origin: 'test' },
  );
  if (result.outcome !== 'applied') throw new Error(`applyVotes answered ${result.outcome}`);
  expect(result.verdicts.map((v) => v.verdict)).toEqual(votes.map(() => 'counted'));
}

const rows = (page: Parameters<typeof textsOf>[0]) =>
  textsOf(page, '.row .name').map((name, i) => `${name} ${textsOf(page, '.row .score')[i]}`);

describe('the ranking page', () => {
  it('says so in Chinese when a tab has nobody ranked yet', async () => {
    const page = await open('pages/ranking/index', { campaignId });
    // All time ranks every candidate, at 0 before any vote.
    await eventually(async () => rows(page).length === 2, 10_000, 'the all-time ranking');
    page.querySelectorAll('.tab')[0]?.dispatchEvent('tap');
    await eventually(
      async () => page.instance.data.window === 'day' && page.instance.data.connected === true,
      10_000,
      "today's feed connected",
    );
    expect(textsOf(page, '.hint')).toEqual(['今天还没有人上榜']);
    page.instance.onUnload();
  });

  it('shows today, this week or all time as its tabs pick, each live', async () => {
    const today = dayOf(Date.now(), 'Asia/Shanghai');
    const week = periodStart(today, 'week');
    // Bob: two votes last week and, unless today is the week's first day, one on that day.
    // Alice: one today.
    const earlierThisWeek = week < today;
    await count([
      ['bob', shift(week, -1)],
      ['bob', shift(week, -1)],
      ...(earlierThisWeek ? ([['bob', week]] as [string, string][]) : []),
      ['alice', today],
    ]);
    const page = await open('pages/ranking/index', { campaignId });
    expect(textsOf(page, '.tab')).toEqual(['今日', '本周', '总榜']);
    expect(textsOf(page, '.tab.active')).toEqual(['总榜']);
    const allTime = [`鲍勃 ${earlierThisWeek ? 3 : 2} 票`, '爱丽丝 1 票'];
    await eventually(async () => rows(page).join() === allTime.join(), 10_000, 'the all-time ranking');

    const tap = async (label: string) => {
      page.querySelectorAll('.tab')[textsOf(page, '.tab').indexOf(label)]?.dispatchEvent('tap');
      await settle();
      expect(textsOf(page, '.tab.active')).toEqual([label]);
    };
    await tap('今日');
    await eventually(async () => rows(page).join() === '爱丽丝 1 票', 10_000, "today's ranking");
    await tap('本周');
    const thisWeek = earlierThisWeek ? ['鲍勃 1 票', '爱丽丝 1 票'] : ['爱丽丝 1 票'];
    await eventually(async () => rows(page).join() === thisWeek.join(), 10_000, "this week's ranking");
    expect(page.instance.data.window).toBe('week');

    // Live on the tab shown: two more votes for alice today.
    await count([
      ['alice', today],
      ['alice', today],
    ]);
    const after = earlierThisWeek ? ['爱丽丝 3 票', '鲍勃 1 票'] : ['爱丽丝 3 票'];
    await eventually(async () => rows(page).join() === after.join(), 10_000, 'the live update of the week');
    page.instance.onUnload();
  });

  it('reads the ranks below the live top N a page at a time as the page reaches its bottom, and starts over on a pull', async () => {
    // A live top N of one: the second candidate is below it.
    configureMiniProgram({ rankTopN: 1 });
    try {
      const page = await open('pages/ranking/index', { campaignId });
      await eventually(
        async () => rows(page).length === 1 && page.instance.data.connected === true,
        10_000,
        'the live top 1',
      );
      const reads = () => shim.requests.filter((r) => r.url.includes(`/boards/${campaignId}/leaderboard`));
      const before = reads().length;
      await (page.instance as unknown as { onReachBottom(): Promise<void> }).onReachBottom();
      await settle();
      expect(reads().at(-1)?.url).toContain('offset=1');
      expect(textsOf(page, '.row.more .rank')).toEqual(['2']);
      expect(textsOf(page, '.footer')).toEqual(['没有更多了']);
      // Nothing more to read: no request.
      await (page.instance as unknown as { onReachBottom(): Promise<void> }).onReachBottom();
      expect(reads().length).toBe(before + 1);
      (page.instance as unknown as { onPullDownRefresh(): void }).onPullDownRefresh();
      await settle();
      expect(textsOf(page, '.row.more')).toEqual([]);
      await eventually(async () => rows(page).length === 1, 10_000, 'the live top 1 again');
      page.instance.onUnload();
    } finally {
      configureMiniProgram({ rankTopN: 10 });
    }
  });

  it("pins my candidate's standing and neighbours at the top, and follows the live ranking", async () => {
    const page = await open('pages/ranking/index', { campaignId, candidateId: 'bob' });
    const pinned = () => textsOf(page, '.pinned-title')[0] ?? '';
    await eventually(async () => pinned().includes('鲍勃'), 10_000, 'the pinned row');
    const standing = () =>
      page.instance.data.pinned as { rank: number | null; score: number; around: unknown[] };
    const before = standing();
    expect(pinned()).toBe(`我支持的 鲍勃：第 ${before.rank} 名 · ${before.score} 票`);
    expect(textsOf(page, '.around.me .name')).toEqual(['鲍勃']);
    // Two more votes for bob, counted now: the pinned row follows within its throttle.
    await count([
      ['bob', dayOf(Date.now(), 'Asia/Shanghai')],
      ['bob', dayOf(Date.now(), 'Asia/Shanghai')],
    ]);
    await eventually(async () => standing().score === before.score + 2, 10_000, 'the pinned row to follow');
    expect(pinned()).toBe(`我支持的 鲍勃：第 ${standing().rank} 名 · ${before.score + 2} 票`);
    page.instance.onUnload();
  });

  it('pins nothing for a candidate the campaign does not have', async () => {
    const page = await open('pages/ranking/index', { campaignId, candidateId: 'mallory' });
    await eventually(async () => page.instance.data.connected === true, 10_000, 'connected');
    await settle(300);
    expect(textsOf(page, '.pinned')).toEqual([]);
    page.instance.onUnload();
  });

  it('marks a candidate that overtakes another with an arrow, and the one overtaken', async () => {
    const page = await open('pages/ranking/index', { campaignId });
    await eventually(
      async () => rows(page).length === 2 && page.instance.data.connected === true,
      10_000,
      'the ranking',
    );
    expect(textsOf(page, '.move')).toEqual([]);
    const live = page.instance.data.rows as { candidateId: string; score: number }[];
    const [first, second] = live as [
      { candidateId: string; score: number },
      { candidateId: string; score: number },
    ];
    const today = dayOf(Date.now(), 'Asia/Shanghai');
    await count(
      Array.from(
        { length: first.score - second.score + 1 },
        () => [second.candidateId, today] as [string, string],
      ),
    );
    await eventually(
      async () =>
        (page.instance.data.rows as { candidateId: string }[])[0]?.candidateId === second.candidateId,
      10_000,
      'the overtake',
    );
    expect(textsOf(page, '.move')).toEqual(['▲1', '▼1']);
    expect(textsOf(page, '.move-up')).toEqual(['▲1']);
    page.instance.onUnload();
  });
});
