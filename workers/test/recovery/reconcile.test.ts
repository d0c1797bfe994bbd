import { recordVotes } from '@rallyboard/core/db';
import { dayOf, periodStart } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt, encodeScore } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { loseBoardState, queuedVote } from '../support/deps.js';
import {
  apply,
  config,
  DAY_MS,
  deps,
  mongo,
  TIMEZONE,
  useReconcileDeps,
  votedBoard,
  windowNames,
  windowOf,
} from './reconcile-fixture.js';

useReconcileDeps();

describe('reconcile', () => {
  it('reports no drift for a board whose Redis state is what its ledger adds up to', async () => {
    const board = await votedBoard();
    const { boardId, days } = board;
    const report = await reconcile(deps, boardId);
    const dayTotals = [2, 3, 2];
    // A week's or a month's total is that of its days.
    const periodTotal = (window: 'week' | 'month', start: string) =>
      days.reduce((sum, day, i) => sum + (periodStart(day, window) === start ? (dayTotals[i] ?? 0) : 0), 0);
    const same = (n: number) => ({ total: { redis: n, ledger: n }, drift: [] });
    expect(report).toEqual({
      boardId,
      ledgerRecords: 8,
      seq: { redis: 7, ledger: 7 },
      windows: [
        { window: 'all', ...same(7) },
        { window: days[0], ...same(2) },
        { window: days[1], ...same(3) },
        { window: days[2], ...same(2) },
        ...board.weeks.map((w) => ({ window: `week:${w}`, ...same(periodTotal('week', w)) })),
        ...board.months.map((m) => ({ window: `month:${m}`, ...same(periodTotal('month', m)) })),
      ],
      expired: [],
      archives: [],
      ok: true,
    });
  });

  it("reports drift in a week and a month whose ranking is not the sum of the ledger's days", async () => {
    const board = await votedBoard();
    const today = board.days[2] as string;
    const week = deps.keys.board(board.boardId).period('week', periodStart(today, 'week'));
    await deps.redis.zadd(week.scores, String(encodeScore(5, 6)), 'dave');
    const month = deps.keys.board(board.boardId).period('month', periodStart(today, 'month'));
    await deps.redis.incrby(month.total, 1);
    const report = await reconcile(deps, board.boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, `week:${periodStart(today, 'week')}`).drift).toEqual([
      { candidateId: 'dave', redis: { count: 5, seq: 6 }, ledger: { count: 1, seq: 6 } },
    ]);
    const monthWindow = windowOf(report, `month:${periodStart(today, 'month')}`);
    expect(monthWindow.total.redis).toBe(monthWindow.total.ledger + 1);
    expect(monthWindow.drift).toEqual([]);
  });

  it('reports no drift for a board without votes', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const report = await reconcile(deps, boardId);
    expect(report).toMatchObject({
      ledgerRecords: 0,
      seq: { redis: 0, ledger: 0 },
      expired: [],
      ok: true,
    });
    expect(report.windows).toEqual([{ window: 'all', total: { redis: 0, ledger: 0 }, drift: [] }]);
  });

  it("reports drift when a member's count in Redis is not the ledger's", async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.zadd(keys.scores, String(encodeScore(3, 3)), 'bob');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all').drift).toEqual([
      { candidateId: 'bob', redis: { count: 3, seq: 3 }, ledger: { count: 2, seq: 3 } },
    ]);
    expect(report.windows.slice(1).every((w) => w.drift.length === 0)).toBe(true);
  });

  it('reports drift when only the tie-break differs: equal counts in the wrong order', async () => {
    const { boardId, keys } = await votedBoard();
    // bob reached 2 first (seq 3), carol second (seq 5): swap who got there first.
    await deps.redis.zadd(keys.scores, String(encodeScore(2, 5)), 'bob', String(encodeScore(2, 3)), 'carol');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all')).toEqual({
      window: 'all',
      total: { redis: 7, ledger: 7 },
      drift: expect.arrayContaining([
        { candidateId: 'bob', redis: { count: 2, seq: 5 }, ledger: { count: 2, seq: 3 } },
        { candidateId: 'carol', redis: { count: 2, seq: 3 }, ledger: { count: 2, seq: 5 } },
      ]),
    });
    expect(windowOf(report, 'all').drift).toHaveLength(2);
  });

  it("reports drift when a window's total is not the ledger's, though every member matches", async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.incrby(keys.total, 1);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all')).toEqual({ window: 'all', total: { redis: 8, ledger: 7 }, drift: [] });
  });

  it('reports drift in the day it is in, and only there', async () => {
    const { boardId, keys, days } = await votedBoard();
    const yesterday = days[1] as string;
    await deps.redis.zadd(keys.day(yesterday).scores, String(encodeScore(1, 5)), 'carol');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, yesterday).drift).toEqual([
      { candidateId: 'carol', redis: { count: 1, seq: 5 }, ledger: { count: 2, seq: 5 } },
    ]);
    expect(report.windows.filter((w) => w.drift.length > 0).map((w) => w.window)).toEqual([yesterday]);
  });

  it('reports a member with votes that Redis does not rank as absent', async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.zrem(keys.scores, 'dave');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all').drift).toEqual([
      { candidateId: 'dave', redis: null, ledger: { count: 1, seq: 6 } },
    ]);
  });

  it('reports drift when Redis has lost the whole board', async () => {
    const { boardId, days } = await votedBoard();
    await loseBoardState(deps.redis, deps.keys, boardId);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(report.seq).toEqual({ redis: 0, ledger: 7 });
    expect(windowOf(report, 'all').total).toEqual({ redis: 0, ledger: 7 });
    // Days still within retention are compared even though Redis has no keys for them.
    expect(report.expired).toEqual([]);
    expect(days.map((day) => windowOf(report, day).total.redis)).toEqual([0, 0, 0]);
    expect(days.map((day) => windowOf(report, day).drift.length > 0)).toEqual([true, true, true]);
  });

  it('reports drift when the board seq is behind the ledger', async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.set(keys.seq, 6);
    const report = await reconcile(deps, boardId);
    expect(report.seq).toEqual({ redis: 6, ledger: 7 });
    expect(report.ok).toBe(false);
  });

  it('reports a change applied but not yet recorded as member drift, the Redis seq ahead of the ledger', async () => {
    const { boardId } = await votedBoard();
    // Applied in Redis by a worker that has not written the ledger yet.
    await applyVotes(
      deps.redis,
      deps.keys,
      boardId,
      [
        {
          voteId: randomId('v-inflight'),
          candidateId: 'dave',
          action: 'vote',
          day: dayOf(Date.now(), TIMEZONE),
          dayExpiresAt: dayExpiresAt(Date.now(), 8),
        },
      ],
      { dedupTtlSeconds: 3_600, origin: 'test' },
    );
    const report = await reconcile(deps, boardId);
    expect(report.seq).toEqual({ redis: 8, ledger: 7 });
    expect(windowOf(report, 'all').drift).toEqual([
      { candidateId: 'dave', redis: { count: 2, seq: 8 }, ledger: { count: 1, seq: 6 } },
    ]);
    expect(report.ok).toBe(false);
  });

  it('does not compare a period past retention whose keys have expired, and lists it', async () => {
    const board = await votedBoard();
    const { boardId } = board;
    // A vote recorded long ago: its day's keys expired with retention; all-time still has it.
    const longAgo = '2020-01-01';
    await recordVotes(deps.ledger, [
      {
        _id: randomId('v-old'),
        boardId,
        candidateId: 'alice',
        action: 'vote',
        verdict: 'rejected',
        reason: 'UNKNOWN_MEMBER',
        day: longAgo,
        acceptedAt: new Date('2020-01-01T04:00:00Z'),
        decidedAt: new Date('2020-01-01T04:00:01Z'),
      },
    ]);
    const counted = await recordVotes(deps.ledger, [
      {
        _id: randomId('v-old'),
        boardId,
        candidateId: 'bob',
        action: 'vote',
        verdict: 'counted',
        delta: 1,
        seq: 1,
        day: longAgo,
        acceptedAt: new Date('2020-01-01T04:00:00Z'),
        decidedAt: new Date('2020-01-01T04:00:01Z'),
      },
    ]);
    expect(counted).toBe(1);
    const report = await reconcile(deps, boardId);
    expect(report.expired).toEqual([longAgo, 'week:2019-12-30', 'month:2020-01-01']);
    expect(report.windows.map((w) => w.window)).toEqual(windowNames(board));
  });

  it('reports drift for a day Redis ranks but the ledger has no record of', async () => {
    const { boardId } = await votedBoard();
    // A retained day the ledger has no record of, as a rebuild leaves one behind when the only
    // vote of that day was applied but never recorded (see rebuild.test.ts).
    const stray = dayOf(Date.now() - 3 * DAY_MS, TIMEZONE);
    const k = deps.keys.board(boardId).day(stray);
    await deps.redis.zadd(k.scores, String(encodeScore(1, 7)), 'dave');
    await deps.redis.set(k.total, 1);
    const report = await reconcile(deps, boardId);
    expect(report.windows.map((w) => w.window)).toContain(stray);
    expect(report.ok).toBe(false);
  });

  it('reconciles a like board, likes net of unlikes', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['x', 'y'], { kind: 'like' });
    const like = (candidateId: string, voterId: string, action: 'like' | 'unlike' = 'like') => ({
      boardId,
      vote: queuedVote(candidateId, { action, voterId }),
    });
    await apply([
      like('x', 'u1'),
      like('x', 'u2'),
      like('x', 'u1'),
      like('y', 'u1'),
      like('x', 'u2', 'unlike'),
    ]);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(true);
    expect(report.seq).toEqual({ redis: 4, ledger: 4 });
    expect(windowOf(report, 'all').total).toEqual({ redis: 2, ledger: 2 });
  });
});
