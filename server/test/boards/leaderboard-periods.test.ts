import { type BoardView, dayOf, type MemberView, periodStart } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { seedBoard } from '../../../test/support/stack.js';
import { applyDirect, getJson } from '../support/boards.js';
import {
  api,
  codeOf,
  config,
  mongo,
  pathsOf,
  server,
  useLeaderboardServer,
} from '../support/leaderboard-fixture.js';

useLeaderboardServer();

const DAY_MS = 86_400_000;
const shift = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const ranking = (view: BoardView) => view.entries.map((e) => `${e.candidateId}:${e.score}`);

/**
 * A board with votes today, earlier this week (Monday weeks), the week before and in an earlier
 * month, so that each window has its own ranking: today alice 1; this week alice 1 and bob 2
 * (on the week's first day); last week carol 3; dave 1 on the last day of the month before last
 * week's (in no week here).
 */
async function periodBoard(weekStartsOn?: number) {
  const board = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
    ...(weekStartsOn ? { weekStartsOn } : {}),
  });
  const today = dayOf(Date.now(), 'Asia/Shanghai');
  const week = periodStart(today, 'week', weekStartsOn);
  const lastWeek = shift(week, -7);
  const earlier = shift(periodStart(lastWeek, 'month'), -1);
  await applyDirect(server.deps, board, [
    { candidateId: 'dave', day: earlier },
    ...['carol', 'carol', 'carol'].map((candidateId) => ({ candidateId, day: lastWeek })),
    ...['bob', 'bob'].map((candidateId) => ({ candidateId, day: week })),
    { candidateId: 'alice', day: today },
  ]);
  return { board, today, week, lastWeek, earlier };
}

describe('week and month windows over REST', () => {
  it("answers this week's ranking, named by its first day, and any past week from one of its days", async () => {
    const { board, today, week, lastWeek } = await periodBoard();
    const current = await getJson<BoardView>(api(`${board}/leaderboard?window=week`));
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ window: 'week', day: week });
    // bob's two votes were on the week's first day; on a Monday that is today, alice's vote after them.
    expect(ranking(current.body)).toEqual(['bob:2', 'alice:1']);
    expect(current.body.totals).toEqual({ votes: 3, members: 4 });

    const past = await getJson<BoardView>(api(`${board}/leaderboard?window=week&day=${shift(lastWeek, 3)}`));
    expect(past.body).toMatchObject({ window: 'week', day: lastWeek, totals: { votes: 3, members: 4 } });
    expect(ranking(past.body)).toEqual(['carol:3']);

    const day = await getJson<BoardView>(api(`${board}/leaderboard?window=day`));
    expect(day.body).toMatchObject({ window: 'day', day: today });
    // On the week's first day, bob's votes are today's too.
    expect(ranking(day.body)).toEqual(week === today ? ['bob:2', 'alice:1'] : ['alice:1']);
  });

  it("answers this month's ranking and an earlier month's from its last day", async () => {
    const { board, today, week, lastWeek, earlier } = await periodBoard();
    const month = await getJson<BoardView>(api(`${board}/leaderboard?window=month`));
    const thisMonth = periodStart(today, 'month');
    expect(month.body).toMatchObject({ window: 'month', day: thisMonth });
    // The weeks may begin in the month before; the total counts what falls in this one.
    const inThisMonth = (day: string, votes: number) => (periodStart(day, 'month') === thisMonth ? votes : 0);
    expect(month.body.totals.votes).toBe(1 + inThisMonth(week, 2) + inThisMonth(lastWeek, 3));
    const previous = await getJson<BoardView>(api(`${board}/leaderboard?window=month&day=${earlier}`));
    expect(previous.body).toMatchObject({ window: 'month', day: periodStart(earlier, 'month') });
    expect(ranking(previous.body)).toEqual(['dave:1']);
  });

  it("answers a member's standing and its neighbours in a week", async () => {
    const { board } = await periodBoard();
    const { status, body } = await getJson<MemberView>(api(`${board}/members/alice?window=week`));
    expect(status).toBe(200);
    expect(body.member).toEqual({ candidateId: 'alice', rank: 2, score: 1 });
    const around = await getJson<BoardView>(api(`${board}/members/bob/around?window=week&k=1`));
    expect(ranking(around.body)).toEqual(['bob:2', 'alice:1']);
    const absent = await getJson<MemberView>(api(`${board}/members/dave?window=week`));
    expect(absent.body.member).toEqual({ candidateId: 'dave', rank: null, score: 0 });
  });

  it("starts a campaign's week on its own day", async () => {
    // Weeks that start the day after today's weekday: today is the week's last day.
    const today = dayOf(Date.now(), 'Asia/Shanghai');
    const weekday = new Date(`${today}T00:00:00Z`).getUTCDay() || 7;
    const weekStartsOn = (weekday % 7) + 1;
    const { board, week } = await periodBoard(weekStartsOn);
    expect(week).toBe(shift(today, -6));
    const { body } = await getJson<BoardView>(api(`${board}/leaderboard?window=week`));
    expect(body.day).toBe(week);
  });

  it('refuses a period that has not begun with 400 INVALID_INPUT naming day, and takes a later day of this week', async () => {
    const { board, today, week } = await periodBoard();
    const nextMonth = shift(periodStart(today, 'month'), 32);
    for (const search of [
      `window=day&day=${shift(today, 1)}`,
      `window=week&day=${shift(week, 7)}`,
      `window=month&day=${nextMonth}`,
    ]) {
      const { status, body } = await getJson(api(`${board}/leaderboard?${search}`));
      expect(status, search).toBe(400);
      expect(codeOf(body)).toBe('INVALID_INPUT');
      expect(pathsOf(body)).toEqual(['query.day']);
    }
    const sameWeek = await getJson<BoardView>(api(`${board}/totals?window=week&day=${shift(week, 6)}`));
    expect(sameWeek.body).toMatchObject({ window: 'week', day: week, totals: { votes: 3 } });
  });

  it.each([
    ['an unknown window', 'window=quarter', ['query.window']],
    ['a day that is not a date', 'window=month&day=2026-12', ['query.day']],
    ['a day that does not exist', 'window=week&day=2026-02-30', ['query.day']],
  ])('refuses %s with 400 INVALID_INPUT naming the parameter', async (_, search, paths) => {
    const { board } = await periodBoard();
    const { status, body } = await getJson(api(`${board}/leaderboard?${search}`));
    expect(status).toBe(400);
    expect(codeOf(body)).toBe('INVALID_INPUT');
    expect(pathsOf(body)).toEqual(paths);
  });
});
