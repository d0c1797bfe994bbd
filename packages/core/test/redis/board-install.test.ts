import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { AppError } from '../../src/protocol/errors.js';
import {
  applyVotes,
  fenceBoard,
  fenceIsHeld,
  holdFence,
  installBoard,
  liftFence,
  readBoard,
  readBoardMeta,
  readMembers,
  renewFence,
  type WindowRef,
} from '../../src/redis/index.js';
import {
  ALL,
  apply,
  boardState,
  counted,
  dayOf,
  EXPIRES,
  keys,
  listen,
  member,
  newBoard,
  options,
  redis,
  TODAY,
  useBoardRedis,
  vote,
  YESTERDAY,
} from './board-fixture.js';

useBoardRedis();

describe('fenceBoard, installBoard and liftFence', () => {
  it('installs rebuilt rankings and totals, keeps never-changed members at 0, lifts the fence and publishes a reset', async () => {
    const boardId = await newBoard(['a', 'b', 'c', 'd']);
    await apply(boardId, [vote('c'), vote('c', { day: YESTERDAY }), vote('d'), vote('d'), vote('a')]);
    const k = keys.board(boardId);
    const token = randomId('fence');
    await fenceBoard(
      redis,
      keys,
      { boardId, title: 'T', kind: 'vote', dailyRetentionDays: 8, candidateIds: ['a', 'b', 'c', 'd'] },
      { token, ttlMs: 60_000 },
    );
    expect(await redis.get(k.fence)).toBe(token);
    const channel = await listen(boardId);

    const seq = await installBoard(redis, keys, boardId, {
      fence: token,
      seq: 9,
      all: {
        total: 8,
        members: [
          { candidateId: 'c', count: 3, seq: 9 },
          { candidateId: 'a', count: 3, seq: 4 },
          { candidateId: 'd', count: 2, seq: 7 },
        ],
      },
      periods: [
        {
          window: 'day',
          start: TODAY,
          expiresAt: EXPIRES,
          total: 5,
          members: [{ candidateId: 'c', count: 5, seq: 9 }],
        },
        { window: 'day', start: YESTERDAY, expiresAt: EXPIRES - 86_400, total: 0, members: [] },
      ],
      origin: 'rebuild',
    });
    expect(seq).toBe(9);
    expect(await channel.until(1)).toEqual([
      { boardId, seq: 9, members: [], reset: true, origin: 'rebuild' },
    ]);
    await channel.close();

    expect(await redis.exists(k.fence)).toBe(0);
    const all = await read(boardId);
    expect(all.seq).toBe(9);
    expect(all.totals).toEqual({ votes: 8, members: 4 });
    expect(all.entries).toEqual([
      { rank: 1, candidateId: 'a', score: 3 },
      { rank: 2, candidateId: 'c', score: 3 },
      { rank: 3, candidateId: 'd', score: 2 },
      { rank: 4, candidateId: 'b', score: 0 },
    ]);
    // The day windows are replaced, not merged: d's and a's votes of today are gone.
    const today = await read(boardId, dayOf(TODAY));
    expect(today.totals.votes).toBe(5);
    expect(today.entries).toEqual([{ rank: 1, candidateId: 'c', score: 5 }]);
    expect(await redis.expiretime(k.day(TODAY).scores)).toBe(EXPIRES);
    expect(await redis.expiretime(k.day(TODAY).total)).toBe(EXPIRES);
    const yesterday = await read(boardId, dayOf(YESTERDAY));
    expect(yesterday).toMatchObject({ totals: { votes: 0 }, entries: [] });

    // Votes apply again, on top of the installed seq.
    expect((await apply(boardId, [vote('b')])).verdicts).toEqual([counted(10)]);
  });

  it('never lowers the seq', async () => {
    const boardId = await newBoard(['a']);
    await apply(boardId, [vote('a'), vote('a'), vote('a')]);
    const token = randomId('fence');
    await fenceBoard(redis, keys, registration(boardId, ['a']), { token, ttlMs: 60_000 });
    const seq = await installBoard(redis, keys, boardId, {
      fence: token,
      seq: 1,
      all: { total: 1, members: [{ candidateId: 'a', count: 1, seq: 1 }] },
      periods: [],
      origin: 'rebuild',
    });
    expect(seq).toBe(3);
    expect(await redis.get(keys.board(boardId).seq)).toBe('3');
    expect(await member(boardId, 'a')).toEqual({ candidateId: 'a', rank: 1, score: 1 });
  });

  it('refuses to install with a token that does not hold the fence, changing nothing', async () => {
    const boardId = await newBoard(['a', 'b']);
    await apply(boardId, [vote('b')]);
    const token = randomId('fence');
    await fenceBoard(redis, keys, registration(boardId, ['a', 'b']), { token, ttlMs: 60_000 });
    const before = await boardState(boardId);
    const install = (fence: string) =>
      installBoard(redis, keys, boardId, {
        fence,
        seq: 50,
        all: { total: 9, members: [{ candidateId: 'a', count: 9, seq: 50 }] },
        periods: [],
        origin: 'rebuild',
      });
    const error = await install('someone-else').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'BOARD_REBUILDING', status: 503 });
    expect(await boardState(boardId)).toEqual(before);
    expect(await redis.get(keys.board(boardId).fence)).toBe(token);

    // A fence lifted (or expired) no longer holds for its own token either.
    await liftFence(redis, keys, boardId, 'someone-else');
    expect(await redis.get(keys.board(boardId).fence)).toBe(token);
    await liftFence(redis, keys, boardId, token);
    expect(await redis.exists(keys.board(boardId).fence)).toBe(0);
    await expect(install(token)).rejects.toMatchObject({ code: 'BOARD_REBUILDING' });
    expect(await boardState(boardId)).toEqual(before);
  });

  it('registers a board whose meta was lost, so its votes wait for the rebuild instead of going missing', async () => {
    const boardId = await newBoard(['a']);
    await redis.del(keys.board(boardId).meta);
    expect(await applyVotes(redis, keys, boardId, [vote('a')], options)).toEqual({
      outcome: 'board-missing',
    });
    const token = randomId('fence');
    await fenceBoard(redis, keys, registration(boardId, ['a', 'b']), { token, ttlMs: 60_000 });
    expect(await applyVotes(redis, keys, boardId, [vote('a')], options)).toEqual({ outcome: 'fenced' });
    expect(await readBoardMeta(redis, keys, boardId)).toMatchObject({ kind: 'vote' });
    expect((await readMembers(redis, keys, boardId)).sort()).toEqual(['a', 'b']);
  });

  it('freezes the board in the same step when asked: the snapshot is the ranking installed, one reset published', async () => {
    const boardId = await newBoard(['a', 'b']);
    // Listening first: a cluster may deliver the vote's change after a later subscription.
    const channel = await listen(boardId);
    await apply(boardId, [vote('b'), vote('b')]);
    const k = keys.board(boardId);
    const token = randomId('fence');
    await fenceBoard(redis, keys, registration(boardId, ['a', 'b']), { token, ttlMs: 60_000 });
    const seq = await installBoard(redis, keys, boardId, {
      fence: token,
      seq: 4,
      all: { total: 3, members: [{ candidateId: 'a', count: 3, seq: 4 }] },
      periods: [
        {
          window: 'day',
          start: TODAY,
          expiresAt: EXPIRES,
          total: 3,
          members: [{ candidateId: 'a', count: 3, seq: 4 }],
        },
      ],
      freeze: { day: TODAY, weekStartsOn: 1 },
      origin: 'rebuild',
    });
    expect(seq).toBe(4);
    const [, reset, ...more] = await channel.until(2);
    expect(reset).toEqual({ boardId, seq: 4, members: [], reset: true, origin: 'rebuild' });
    expect(more).toEqual([]);
    await channel.close();
    expect(await readBoardMeta(redis, keys, boardId)).toMatchObject({
      status: 'frozen',
      frozen: { day: TODAY, seq: 4 },
    });
    expect(await redis.get(k.frozen.seq)).toBe('4');
    expect(await redis.zrange(k.frozen.scores, '0', '-1', 'WITHSCORES')).toEqual(
      await redis.zrange(k.scores, '0', '-1', 'WITHSCORES'),
    );
    expect(await redis.get(k.frozen.total)).toBe('3');
    expect(await redis.zrange(k.frozen.period('day').scores, '0', '-1')).toEqual(['a']);
    expect(await redis.ttl(k.frozen.period('day').scores)).toBe(-1);
    expect(await redis.exists(k.fence)).toBe(0);

    // A vote after the install counts in the live ranking, not in the freeze's.
    expect((await apply(boardId, [vote('b')])).verdicts).toEqual([counted(5)]);
    expect(await redis.get(k.frozen.seq)).toBe('4');
    expect(await redis.get(k.frozen.total)).toBe('3');
  });

  it('holds a fence: it no longer expires, a renewal leaves it held, and only its own token holds it', async () => {
    const boardId = await newBoard(['a']);
    const k = keys.board(boardId);
    const token = randomId('fence');
    await fenceBoard(redis, keys, registration(boardId, ['a']), { token, ttlMs: 60_000 });
    expect(await fenceIsHeld(redis, keys, boardId)).toBe(false);
    expect(await holdFence(redis, keys, boardId, 'someone-else')).toBe(false);
    expect(await redis.pttl(k.fence)).toBeGreaterThan(0);

    expect(await holdFence(redis, keys, boardId, token)).toBe(true);
    expect(await fenceIsHeld(redis, keys, boardId)).toBe(true);
    expect(await renewFence(redis, keys, boardId, { token, ttlMs: 1_000 })).toBe(true);
    expect(await redis.pttl(k.fence)).toBe(-1);
    expect(await renewFence(redis, keys, boardId, { token: 'someone-else', ttlMs: 1_000 })).toBe(false);

    // Fenced again (a rebuild run again), held from the start: votes wait.
    const again = randomId('fence');
    await fenceBoard(redis, keys, registration(boardId, ['a']), { token: again, ttlMs: 60_000, held: true });
    expect(await redis.get(k.fence)).toBe(again);
    expect(await redis.pttl(k.fence)).toBe(-1);
    expect(await applyVotes(redis, keys, boardId, [vote('a')], options)).toEqual({ outcome: 'fenced' });
  });

  function registration(boardId: string, candidateIds: string[]) {
    return { boardId, title: 'T', kind: 'vote' as const, dailyRetentionDays: 8, candidateIds };
  }
  const read = (boardId: string, ref: WindowRef = ALL) =>
    readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit: 10 });
});
