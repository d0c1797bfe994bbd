import { dayOf, periodStart } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { queuedVote } from '../support/deps.js';
import {
  apply,
  config,
  DAY_MS,
  deps,
  mongo,
  TIMEZONE,
  useReconcileDeps,
  windowOf,
} from './reconcile-fixture.js';

useReconcileDeps();

const HOUR_MS = 3_600_000;

/** A board east of UTC (Asia/Shanghai) keeping its days 8 days, with one vote accepted `agoMs` ago. */
async function boardVotedAgo(agoMs: number) {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice'], { timezone: TIMEZONE });
  expect((await deps.boards.findById(boardId).lean())?.dailyRetentionDays).toBe(8);
  const acceptedAt = Date.now() - agoMs;
  const [outcome] = await apply([{ boardId, vote: queuedVote('alice', { acceptedAt }) }]);
  expect(outcome).toMatchObject({ verdict: 'counted' });
  const day = dayOf(acceptedAt, TIMEZONE);
  return {
    boardId,
    day,
    week: `week:${periodStart(day, 'week')}`,
    month: `month:${periodStart(day, 'month')}`,
  };
}

describe('reconcile, at the end of retention', () => {
  it('lists as expired a day whose keys Redis let go with its last vote, before its UTC date ends', async () => {
    // The day's keys expired an hour ago (accepted + 9 days); its UTC date ends hours later.
    const { boardId, day, week, month } = await boardVotedAgo(9 * DAY_MS + HOUR_MS);
    expect(await deps.redis.exists(deps.keys.board(boardId).day(day).total)).toBe(0);

    const report = await reconcile(deps, boardId);
    expect(report.expired).toEqual([day]);
    expect(report.windows.map((w) => w.window)).toEqual(['all', week, month]);
    expect(windowOf(report, 'all').total).toEqual({ redis: 1, ledger: 1 });
    expect(report.ok).toBe(true);
  });

  it('still reports drift for a day Redis lost while its last vote keeps it', async () => {
    // The day's keys live another hour: Redis losing them is drift, not retention.
    const { boardId, day } = await boardVotedAgo(9 * DAY_MS - HOUR_MS);
    const k = deps.keys.board(boardId).day(day);
    await deps.redis.del(k.scores);
    await deps.redis.del(k.total);

    const report = await reconcile(deps, boardId);
    expect(report.expired).toEqual([]);
    expect(windowOf(report, day).total).toEqual({ redis: 0, ledger: 1 });
    expect(report.ok).toBe(false);
  });
});
