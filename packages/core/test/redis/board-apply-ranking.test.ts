import { describe, expect, it } from 'vitest';
import {
  dayExpiresAt,
  decodeScore,
  encodeScore,
  MAX_COUNT,
  MAX_SEQ,
  readBoard,
} from '../../src/redis/index.js';
import {
  ALL,
  apply,
  boardState,
  counted,
  dayOf,
  EXPIRES,
  ids,
  keys,
  member,
  newBoard,
  redis,
  rejected,
  TODAY,
  top,
  useBoardRedis,
  vote,
  YESTERDAY,
} from './board-fixture.js';

useBoardRedis();

describe('daily windows', () => {
  it('keeps each day in its own ranking with its own total', async () => {
    const boardId = await newBoard();
    await apply(boardId, [
      vote('alice', { day: YESTERDAY }),
      vote('alice', { day: YESTERDAY }),
      vote('bob', { day: TODAY }),
    ]);
    const yesterday = await readBoard(redis, keys, boardId, dayOf(YESTERDAY), {
      mode: 'range',
      offset: 0,
      limit: 10,
    });
    expect(yesterday).toMatchObject({
      window: 'day',
      day: YESTERDAY,
      seq: 3,
      totals: { votes: 2, members: 3 },
      entries: [{ rank: 1, candidateId: 'alice', score: 2 }],
    });
    const today = await readBoard(redis, keys, boardId, dayOf(TODAY), {
      mode: 'range',
      offset: 0,
      limit: 10,
    });
    expect(today).toMatchObject({
      totals: { votes: 1, members: 3 },
      entries: [{ rank: 1, candidateId: 'bob', score: 1 }],
    });
    expect(
      (await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 0 })).totals.votes,
    ).toBe(3);
    // A day nobody voted on is an empty ranking, not an error.
    expect(
      await readBoard(redis, keys, boardId, dayOf('2026-11-20'), { mode: 'range', offset: 0, limit: 10 }),
    ).toMatchObject({
      totals: { votes: 0, members: 3 },
      entries: [],
    });
  });

  it("gives a day's keys the expiry of its latest counted vote, and the all-time keys none", async () => {
    const boardId = await newBoard();
    const k = keys.board(boardId);
    await apply(boardId, [vote('alice', { dayExpiresAt: EXPIRES })]);
    await apply(boardId, [vote('bob', { dayExpiresAt: EXPIRES + 120 })]);
    // A rejected vote touches no expiry.
    await apply(boardId, [vote('nobody', { dayExpiresAt: EXPIRES + 999 })]);
    const day = k.day(TODAY);
    for (const key of [day.scores, day.total]) {
      expect(await redis.ttl(key)).toBeGreaterThan(0);
      expect(await redis.expiretime(key)).toBe(EXPIRES + 120);
    }
    expect(await redis.ttl(k.scores)).toBe(-1);
    expect(await redis.ttl(k.total)).toBe(-1);
  });
});

describe('ties', () => {
  it('ranks equal scores by who reached them first, whatever the id order', async () => {
    const boardId = await newBoard(['a', 'b', 'c', 'd']);
    await apply(boardId, [vote('d'), vote('a')]);
    expect(await ids(boardId)).toEqual(['d', 'a', 'b', 'c']);
    await apply(boardId, [vote('a')]);
    await apply(boardId, [vote('d')]);
    expect(await top(boardId)).toEqual([
      { rank: 1, candidateId: 'a', score: 2 },
      { rank: 2, candidateId: 'd', score: 2 },
      { rank: 3, candidateId: 'b', score: 0 },
      { rank: 4, candidateId: 'c', score: 0 },
    ]);
    expect(await ids(boardId, dayOf(TODAY))).toEqual(['a', 'd']);
  });

  it('ranks members that never had a vote after every voted one, by id', async () => {
    const boardId = await newBoard(['zoe', 'yan', 'xia', 'amy', 'bea']);
    await apply(boardId, [vote('zoe'), vote('xia')]);
    expect(await ids(boardId)).toEqual(['zoe', 'xia', 'amy', 'bea', 'yan']);
  });

  it('keeps the tie-break per window: the day ranks by who reached the day count first', async () => {
    const boardId = await newBoard(['a', 'b']);
    await apply(boardId, [
      vote('a', { day: YESTERDAY }),
      vote('b', { day: TODAY }),
      vote('a', { day: TODAY }),
    ]);
    expect(await ids(boardId)).toEqual(['a', 'b']);
    expect(await ids(boardId, dayOf(TODAY))).toEqual(['b', 'a']);
  });
});

describe('limits', () => {
  it('counts the vote that takes the last seq, then rejects the next as BOARD_FULL with nothing changed', async () => {
    const boardId = await newBoard(['alice', 'bob']);
    const k = keys.board(boardId);
    await redis.set(k.seq, MAX_SEQ - 1);
    expect(await apply(boardId, [vote('alice')])).toEqual({
      outcome: 'applied',
      seq: MAX_SEQ,
      verdicts: [counted(MAX_SEQ)],
    });
    const before = await boardState(boardId);
    const full = await apply(boardId, [vote('bob'), vote('alice')]);
    expect(full).toEqual({
      outcome: 'applied',
      seq: MAX_SEQ,
      verdicts: [rejected('BOARD_FULL'), rejected('BOARD_FULL')],
    });
    expect(await boardState(boardId)).toEqual(before);
    expect(await top(boardId)).toEqual([
      { rank: 1, candidateId: 'alice', score: 1 },
      { rank: 2, candidateId: 'bob', score: 0 },
    ]);
    expect(decodeScore(Number(await redis.zscore(k.scores, 'alice')))).toEqual({ count: 1, seq: MAX_SEQ });
  });

  it('rejects a vote past the highest count as SCORE_LIMIT with nothing changed, and ranks exactly at the limit', async () => {
    const boardId = await newBoard(['alice', 'bob', 'carol']);
    const k = keys.board(boardId);
    await redis.zadd(k.scores, encodeScore(MAX_COUNT, 5), 'alice', encodeScore(MAX_COUNT - 1, 3), 'bob');
    await redis.set(k.seq, 5);
    const before = await boardState(boardId);
    expect((await apply(boardId, [vote('alice')])).verdicts).toEqual([rejected('SCORE_LIMIT')]);
    expect(await boardState(boardId)).toEqual(before);

    // bob reaches the limit too, later than alice: alice stays ahead.
    expect((await apply(boardId, [vote('bob')])).verdicts).toEqual([counted(6)]);
    expect(await top(boardId)).toEqual([
      { rank: 1, candidateId: 'alice', score: MAX_COUNT },
      { rank: 2, candidateId: 'bob', score: MAX_COUNT },
      { rank: 3, candidateId: 'carol', score: 0 },
    ]);
    expect(await member(boardId, 'bob')).toEqual({ candidateId: 'bob', rank: 2, score: MAX_COUNT });
    expect(decodeScore(Number(await redis.zscore(k.scores, 'bob')))).toEqual({ count: MAX_COUNT, seq: 6 });
  });

  it('keeps ranks exact with both limits reached at once', async () => {
    const boardId = await newBoard(['alice', 'bob']);
    const k = keys.board(boardId);
    await redis.zadd(k.scores, encodeScore(MAX_COUNT, 1), 'bob', encodeScore(MAX_COUNT - 1, 2), 'alice');
    await redis.set(k.seq, MAX_SEQ - 1);
    expect((await apply(boardId, [vote('alice')])).verdicts).toEqual([counted(MAX_SEQ)]);
    expect(await top(boardId)).toEqual([
      { rank: 1, candidateId: 'bob', score: MAX_COUNT },
      { rank: 2, candidateId: 'alice', score: MAX_COUNT },
    ]);
    expect(decodeScore(Number(await redis.zscore(k.scores, 'alice')))).toEqual({
      count: MAX_COUNT,
      seq: MAX_SEQ,
    });
  });
});

describe('dayExpiresAt', () => {
  it('is the acceptance second plus the retention plus one day', () => {
    const accepted = Date.parse('2026-11-24T15:59:59.999Z');
    expect(dayExpiresAt(accepted, 8)).toBe(Math.floor(accepted / 1000) + 9 * 86_400);
    expect(dayExpiresAt(accepted, 0)).toBe(Date.parse('2026-11-25T15:59:59Z') / 1000);
  });
});
