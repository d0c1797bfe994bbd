import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { readBoard, readBoardMeta, readMembers, registerBoard } from '../../src/redis/index.js';
import { ALL, apply, keys, newBoard, redis, top, useBoardRedis, vote } from './board-fixture.js';

useBoardRedis();

describe('registerBoard', () => {
  it('enters every member into the all-time ranking at 0, ordered by id', async () => {
    const boardId = await newBoard(['carol', 'alice', 'bob']);
    const slice = await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 10 });
    expect(slice).toEqual({
      boardId,
      window: 'all',
      day: null,
      seq: 0,
      totals: { votes: 0, members: 3 },
      entries: [
        { rank: 1, candidateId: 'alice', score: 0 },
        { rank: 2, candidateId: 'bob', score: 0 },
        { rank: 3, candidateId: 'carol', score: 0 },
      ],
      seqs: [0, 0, 0],
      foci: [],
    });
    expect(await readBoardMeta(redis, keys, boardId)).toEqual({
      title: `T ${boardId}`,
      kind: 'vote',
      timezone: 'Asia/Shanghai',
      weekStartsOn: 1,
      dailyRetentionDays: 8,
      status: undefined,
      quotas: {},
    });
  });

  it('is idempotent: registering again keeps scores and only adds new members', async () => {
    const boardId = await newBoard(['alice', 'bob']);
    await apply(boardId, [vote('bob')]);
    await registerBoard(redis, keys, {
      boardId,
      title: 'renamed',
      kind: 'vote',
      timezone: 'Europe/Paris',
      dailyRetentionDays: 3,
      candidateIds: ['bob', 'alice', 'dave'],
    });
    expect((await readMembers(redis, keys, boardId)).sort()).toEqual(['alice', 'bob', 'dave']);
    expect(await top(boardId)).toEqual([
      { rank: 1, candidateId: 'bob', score: 1 },
      { rank: 2, candidateId: 'alice', score: 0 },
      { rank: 3, candidateId: 'dave', score: 0 },
    ]);
    expect(await readBoardMeta(redis, keys, boardId)).toMatchObject({
      title: 'renamed',
      timezone: 'Europe/Paris',
    });
    expect(await redis.get(keys.board(boardId).seq)).toBe('1');
  });

  it('knows nothing of a board that was never registered', async () => {
    expect(await readBoardMeta(redis, keys, randomId('board'))).toBeUndefined();
  });
});
