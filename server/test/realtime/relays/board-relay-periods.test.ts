import { BoardFeed, type BoardView, dayOf, periodStart, type RankUpdate } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { query, subscribe } from '../../../../test/support/socket.js';
import { eventually, seedBoard } from '../../../../test/support/stack.js';
import { getJson } from '../../support/boards.js';
import {
  config,
  expectChained,
  mongo,
  server,
  TOP_N,
  untilSeq,
  useRelayStack,
  votes,
  watcher,
} from '../../support/relay-fixture.js';

// The week's and the month's rooms: their own live diffs, and a turn to the next period.
useRelayStack();

describe('the relay, for week and month windows', () => {
  it("sends the week's and the month's rooms their own updates, carrying the period's first day", async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const weekly = await watcher();
    const monthly = await watcher();
    const weekView = await subscribe(weekly.socket, boardId, 'week');
    const monthView = await subscribe(monthly.socket, boardId, 'month');
    const today = dayOf(Date.now(), 'Asia/Shanghai');
    // A snapshot taken just before midnight names the period that was current then.
    expect([
      periodStart(today, 'week'),
      periodStart(dayOf(Date.now() - 60_000, 'Asia/Shanghai'), 'week'),
    ]).toContain(weekView.day);
    expect(monthView.day?.endsWith('-01')).toBe(true);
    const feed = new BoardFeed('week', TOP_N);
    feed.snapshot(weekView);

    await votes(boardId, ['bob', 'bob', 'alice']);
    await untilSeq(weekly.updates, 3);
    await untilSeq(monthly.updates, 3);
    expect(weekly.updates.every((u) => u.window === 'week' && u.day === weekView.day)).toBe(true);
    expect(monthly.updates.every((u) => u.window === 'month' && u.day === monthView.day)).toBe(true);
    expectChained(weekly.updates);
    for (const update of weekly.updates) expect(feed.update(update)).toBe('applied');
    const { body } = await getJson<BoardView>(`${server.url}/api/boards/${boardId}/leaderboard?window=week`);
    expect(feed.entries).toEqual(body.entries);
    expect(feed.entries.map((e) => `${e.candidateId}:${e.score}`)).toEqual(['bob:2', 'alice:1']);

    // The socket query answers the same window.
    const asked = await query(weekly.socket, { type: 'top', boardId, window: 'week', limit: 10 });
    expect(asked.entries).toEqual(body.entries);
  });

  it("turns a week's room to the new week when its first day changes, without waiting for a vote", async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    const weekly = await watcher();
    const view = await subscribe(weekly.socket, boardId, 'week');
    await votes(boardId, ['bob']);
    await untilSeq(weekly.updates, 1);

    // A week that starts on another day has another first day, as the week's end would.
    const today = dayOf(Date.now(), 'Asia/Shanghai');
    const weekday = new Date(`${today}T00:00:00Z`).getUTCDay() || 7;
    const other = weekday === 1 ? 2 : weekday;
    await server.deps.redis.hset(server.deps.keys.board(boardId).meta, 'weekStartsOn', String(other));
    await eventually(
      async () => weekly.updates.some((u) => u.reset && u.day !== view.day),
      15_000,
      'a reset for the new week',
    );
    const turned = weekly.updates.find((u) => u.reset && u.day !== view.day) as RankUpdate;
    expect(turned.day).toBe(periodStart(today, 'week', other));
    // Nothing was counted in that week's keys.
    expect(turned.entries).toEqual([]);
  }, 30_000);
});
