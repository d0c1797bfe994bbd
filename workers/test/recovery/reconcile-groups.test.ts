import { dayOf, groupIdOf } from '@rallyboard/core/protocol';
import { encodeScore, setMemberGroups } from '@rallyboard/core/redis';
import { describe, expect, it, vi } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { queuedVote } from '../support/deps.js';
import { apply, config, DAY_MS, deps, mongo, TIMEZONE, useReconcileDeps } from './reconcile-fixture.js';

useReconcileDeps();

const RED = groupIdOf('红队');
const BLUE = groupIdOf('蓝队');

/** A board of two groups (dave in none), with votes today and yesterday. */
async function groupedBoard() {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
    timezone: TIMEZONE,
    groups: { alice: '红队', bob: '红队', carol: '蓝队' },
  });
  const plan: [string, number][] = [
    ['alice', 1],
    ['carol', 1],
    ['bob', 0],
    ['bob', 0],
    ['dave', 0],
    ['carol', 0],
  ];
  await apply(
    plan.map(([id, daysAgo]) => ({
      boardId,
      vote: queuedVote(id, { acceptedAt: Date.now() - daysAgo * DAY_MS }),
    })),
  );
  return boardId;
}

const groupWindows = (report: Awaited<ReturnType<typeof reconcile>>) =>
  report.windows.filter((w) => w.window.includes('group'));

describe('reconcile of the group boards', () => {
  it('compares each group ranking and the ranking of the groups in every window with the ledger', async () => {
    const boardId = await groupedBoard();
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(true);
    const names = groupWindows(report).map((w) => w.window);
    expect(names).toContain(`all group:${RED}`);
    expect(names).toContain(`all group:${BLUE}`);
    expect(names).toContain('all groups');
    expect(names.filter((n) => n.startsWith('week:')).length).toBeGreaterThan(0);
    expect(report.windows.find((w) => w.window === 'all groups')?.total).toEqual({ redis: 5, ledger: 5 });
  });

  it('reports a group ranking that is not what its candidates add up to', async () => {
    const boardId = await groupedBoard();
    const k = deps.keys.board(boardId);
    await deps.redis.zadd(k.groups.scores, String(encodeScore(9, 6)), BLUE);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(report.windows.find((w) => w.window === 'all groups')?.drift).toEqual([
      { candidateId: BLUE, redis: { count: 9, seq: 6 }, ledger: { count: 2, seq: 6 } },
    ]);
  });

  it('finds nothing to report after a candidate moves group with its votes, tie-breaks included', async () => {
    const boardId = await groupedBoard();
    // bob (RED's latest change) moves to BLUE: RED's tie-break is alice's again.
    await setMemberGroups(deps.redis, deps.keys, boardId, new Map([['bob', BLUE]]));
    await deps.boards.updateOne({ _id: boardId }, { $set: { 'members.1.group': '蓝队' } });
    const report = await reconcile(deps, boardId);
    expect(report.windows.filter((w) => w.drift.length > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  describe("when a group's keys of a period expire before the board's", () => {
    /**
     * A day two days ago: alice (RED) voted in its first hour, dave (in no group) in its last, so
     * RED's and the groups' keys of the day expire almost a day before the board's.
     */
    async function earlyGroupVote() {
      const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
        timezone: TIMEZONE,
        groups: { alice: '红队', bob: '红队', carol: '蓝队' },
      });
      const day = dayOf(Date.now() - 2 * DAY_MS, TIMEZONE);
      const dayStart = Date.parse(`${day}T00:00:00+08:00`);
      const aliceAt = dayStart + 30 * 60_000;
      await apply([
        { boardId, vote: queuedVote('alice', { acceptedAt: aliceAt }) },
        { boardId, vote: queuedVote('dave', { acceptedAt: dayStart + 23 * 3_600_000 }) },
      ]);
      const k = deps.keys.board(boardId);
      return {
        boardId,
        day,
        aliceAt,
        red: k.group(RED).period('day', day),
        groups: k.groups.period('day', day),
      };
    }

    it("lists as expired a group's ranking of a day that Redis let go with the group's last vote, while the board's day lives on", async () => {
      const { boardId, day, aliceAt, red, groups } = await earlyGroupVote();
      // An hour after RED's keys expired (alice's vote + retention + a day): gone, as Redis lets them go.
      await deps.redis.del(red.scores, red.total, groups.scores, groups.total);
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(aliceAt + 9 * DAY_MS + 3_600_000);
        const report = await reconcile(deps, boardId);
        expect(report.expired).toEqual([`${day} group:${RED}`, `${day} groups`]);
        expect(report.windows.find((w) => w.window === day)?.total).toEqual({ redis: 2, ledger: 2 });
        expect(report.ok).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

    it("still reports a group's ranking Redis lost while none of its period's keys may have expired", async () => {
      const { boardId, day, red } = await earlyGroupVote();
      await deps.redis.del(red.scores, red.total);
      const report = await reconcile(deps, boardId);
      expect(report.expired).toEqual([]);
      expect(report.windows.find((w) => w.window === `${day} group:${RED}`)?.total).toEqual({
        redis: 0,
        ledger: 1,
      });
      expect(report.ok).toBe(false);
    });
  });
});
