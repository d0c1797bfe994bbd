import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { periodStart } from '../../src/protocol/periods.js';
import type { WindowRef } from '../../src/redis/board-read.js';
import { applyVotes, readBoard, registerBoard } from '../../src/redis/index.js';
import {
  apply,
  boardState,
  EXPIRES,
  keys,
  like,
  newBoard,
  options,
  redis,
  top,
  useBoardRedis,
  vote,
} from './board-fixture.js';

useBoardRedis();

const week = (day: string): WindowRef => ({ window: 'week', day });
const month = (day: string): WindowRef => ({ window: 'month', day });
const scores = (entries: { candidateId: string; score: number }[]) =>
  entries.map((e) => [e.candidateId, e.score]);

// 2026-11-22 is a Sunday; Monday weeks: 11-16 (that Sunday), 11-23, 11-30 (into December).
describe('week and month windows', () => {
  it('count every change in its day, its week (Monday first) and its calendar month', async () => {
    const boardId = await newBoard();
    await apply(boardId, [
      vote('alice', { day: '2026-11-22' }),
      vote('bob', { day: '2026-11-23' }),
      vote('bob', { day: '2026-11-25' }),
      vote('alice', { day: '2026-11-29' }),
      vote('carol', { day: '2026-11-30' }),
      vote('carol', { day: '2026-12-01' }),
      vote('alice', { day: '2026-12-01' }),
    ]);
    expect(scores(await top(boardId, week('2026-11-16')))).toEqual([['alice', 1]]);
    expect(scores(await top(boardId, week('2026-11-23')))).toEqual([
      ['bob', 2],
      ['alice', 1],
    ]);
    expect(scores(await top(boardId, week('2026-11-30')))).toEqual([
      ['carol', 2],
      ['alice', 1],
    ]);
    // bob reached 2 (seq 3) before alice (seq 4).
    expect(scores(await top(boardId, month('2026-11-01')))).toEqual([
      ['bob', 2],
      ['alice', 2],
      ['carol', 1],
    ]);
    expect(scores(await top(boardId, month('2026-12-01')))).toEqual([
      ['carol', 1],
      ['alice', 1],
    ]);
    const read = (ref: WindowRef) =>
      readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit: 1 });
    expect(await read(week('2026-11-23'))).toMatchObject({ window: 'week', day: '2026-11-23', seq: 7 });
    expect((await read(week('2026-11-30'))).totals).toEqual({ votes: 3, members: 3 });
    expect((await read(month('2026-11-01'))).totals).toEqual({ votes: 5, members: 3 });
  });

  it('rank a tie in a week by who reached the score first in it', async () => {
    const boardId = await newBoard();
    await apply(boardId, [
      // bob leads all-time from the week before; in this week alice reaches 1 first.
      vote('bob', { day: '2026-11-20' }),
      vote('alice', { day: '2026-11-24' }),
      vote('bob', { day: '2026-11-25' }),
    ]);
    expect(scores(await top(boardId, week('2026-11-23')))).toEqual([
      ['alice', 1],
      ['bob', 1],
    ]);
    expect(scores(await top(boardId))).toEqual([
      ['bob', 2],
      ['alice', 1],
      ['carol', 0],
    ]);
  });

  it("start the week on the board's day: a Sunday-first board's Sunday opens the next week", async () => {
    const boardId = randomId('board');
    await registerBoard(redis, keys, {
      boardId,
      title: 'Sunday weeks',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['alice'],
      weekStartsOn: 7,
    });
    const sunday = { ...options, weekStartsOn: 7 };
    const result = await applyVotes(redis, keys, boardId, [vote('alice', { day: '2026-11-22' })], sunday);
    expect(result.outcome).toBe('applied');
    expect(periodStart('2026-11-22', 'week', 7)).toBe('2026-11-22');
    expect(scores(await top(boardId, week('2026-11-22')))).toEqual([['alice', 1]]);
    expect(await top(boardId, week('2026-11-16'))).toEqual([]);
  });

  it('take back an unlike and a retraction from the week and the month too', async () => {
    const boardId = await newBoard(['alice', 'bob'], 'like');
    await apply(boardId, [like('alice', 'u1', 'like', { day: '2026-11-24' })]);
    await apply(boardId, [like('alice', 'u2', 'like', { day: '2026-11-24' })]);
    await apply(boardId, [like('alice', 'u1', 'unlike', { day: '2026-11-26' })]);
    await apply(boardId, [vote('alice', { action: 'retract', voterId: 'u2', day: '2026-11-26' })]);
    expect(scores(await top(boardId, week('2026-11-23')))).toEqual([['alice', 0]]);
    expect(scores(await top(boardId, month('2026-11-01')))).toEqual([['alice', 0]]);
    const k = keys.board(boardId);
    expect(await redis.get(k.period('week', '2026-11-23').total)).toBe('0');
  });

  it('leave the week and the month alone for a held, a rejected and a duplicate vote', async () => {
    const boardId = await newBoard();
    const first = vote('alice', { day: '2026-11-25' });
    await apply(boardId, [first]);
    const before = await boardState(boardId, ['2026-11-25']);
    await apply(boardId, [
      first,
      vote('alice', { day: '2026-11-25', mode: 'h' }),
      vote('alice', { day: '2026-11-25', mode: 'x' }),
      vote('nobody', { day: '2026-11-25' }),
    ]);
    expect(await boardState(boardId, ['2026-11-25'])).toEqual(before);
  });

  it("keep a week's keys six days and a month's thirty days past the day's expiry", async () => {
    const boardId = await newBoard();
    await apply(boardId, [vote('alice', { day: '2026-11-25', dayExpiresAt: EXPIRES })]);
    const k = keys.board(boardId);
    const expiry = async (key: string) => (await redis.expiretime(key)) - EXPIRES;
    expect(await expiry(k.day('2026-11-25').scores)).toBe(0);
    expect(await expiry(k.period('week', '2026-11-23').scores)).toBe(6 * 86_400);
    expect(await expiry(k.period('week', '2026-11-23').total)).toBe(6 * 86_400);
    expect(await expiry(k.period('month', '2026-11-01').scores)).toBe(30 * 86_400);
    expect(await expiry(k.period('month', '2026-11-01').total)).toBe(30 * 86_400);
  });

  it('keep the latest vote’s expiry when an earlier vote of the period is applied after it', async () => {
    const boardId = await newBoard();
    await apply(boardId, [vote('alice', { day: '2026-11-25', dayExpiresAt: EXPIRES + 3_600 })]);
    // A vote accepted an hour earlier, applied late (a retry, a replayed dead letter).
    await apply(boardId, [vote('bob', { day: '2026-11-25', dayExpiresAt: EXPIRES })]);
    const k = keys.board(boardId);
    const expiry = async (key: string) => (await redis.expiretime(key)) - EXPIRES;
    expect(await expiry(k.day('2026-11-25').scores)).toBe(3_600);
    expect(await expiry(k.day('2026-11-25').total)).toBe(3_600);
    expect(await expiry(k.period('week', '2026-11-23').scores)).toBe(3_600 + 6 * 86_400);
    expect(await expiry(k.period('month', '2026-11-01').total)).toBe(3_600 + 30 * 86_400);
  });
});
