import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { AppError } from '../../src/protocol/errors.js';
import {
  type BoardRead,
  changeBoardStatus,
  liveReadKeys,
  readBoard,
  StaleStatusError,
  type WindowRef,
} from '../../src/redis/index.js';
import {
  ALL,
  apply,
  dayOf,
  keys,
  member,
  newBoard,
  redis,
  TODAY,
  useBoardRedis,
  vote,
  YESTERDAY,
} from './board-fixture.js';

useBoardRedis();

describe('readBoard', () => {
  /** g 7, f 6, … a 1: ranks 1..7 are g..a. */
  async function ladder() {
    const members = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const boardId = await newBoard(members);
    await apply(
      boardId,
      members.flatMap((m, i) => Array.from({ length: i + 1 }, () => vote(m))),
    );
    return boardId;
  }
  const read = (boardId: string, request: BoardRead, ref: WindowRef = ALL) =>
    readBoard(redis, keys, boardId, ref, request);

  it('pages a range with 1-based ranks, totals and seq', async () => {
    const boardId = await ladder();
    const page = async (offset: number, limit: number) =>
      (await read(boardId, { mode: 'range', offset, limit })).entries;
    expect(await page(0, 3)).toEqual([
      { rank: 1, candidateId: 'g', score: 7 },
      { rank: 2, candidateId: 'f', score: 6 },
      { rank: 3, candidateId: 'e', score: 5 },
    ]);
    expect((await page(3, 3)).map((e) => [e.rank, e.candidateId])).toEqual([
      [4, 'd'],
      [5, 'c'],
      [6, 'b'],
    ]);
    expect(await page(6, 3)).toEqual([{ rank: 7, candidateId: 'a', score: 1 }]);
    expect(await page(10, 3)).toEqual([]);
    const slice = await read(boardId, { mode: 'range', offset: 0, limit: 1 });
    expect(slice).toMatchObject({ seq: 28, totals: { votes: 28, members: 7 }, foci: [] });
  });

  it("reads one member's rank and score", async () => {
    const boardId = await ladder();
    expect(await read(boardId, { mode: 'member', candidateId: 'c' })).toMatchObject({
      entries: [],
      foci: [{ candidateId: 'c', rank: 5, score: 3 }],
      totals: { votes: 28, members: 7 },
    });
  });

  it('gives a member with no entry in a day window a null rank and a score of 0', async () => {
    const boardId = await newBoard(['alice', 'bob']);
    await apply(boardId, [vote('alice')]);
    expect(await member(boardId, 'bob', dayOf(TODAY))).toEqual({ candidateId: 'bob', rank: null, score: 0 });
    expect(await member(boardId, 'alice', dayOf(YESTERDAY))).toEqual({
      candidateId: 'alice',
      rank: null,
      score: 0,
    });
    expect(await read(boardId, { mode: 'around', candidateId: 'bob', k: 2 }, dayOf(TODAY))).toMatchObject({
      entries: [],
      foci: [{ candidateId: 'bob', rank: null, score: 0 }],
    });
  });

  it('throws UNKNOWN_MEMBER for an unregistered member, in every mode that names one', async () => {
    const boardId = await ladder();
    for (const request of [
      { mode: 'member', candidateId: 'zed' },
      { mode: 'around', candidateId: 'zed', k: 1 },
      { mode: 'watch', limit: 3, candidateIds: ['a', 'zed'] },
    ] as const) {
      const error = await read(boardId, request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'UNKNOWN_MEMBER', status: 422 });
    }
  });

  it('throws BOARD_NOT_FOUND for a board Redis does not have', async () => {
    const boardId = randomId('board');
    for (const ref of [ALL, dayOf(TODAY)]) {
      const error = await read(boardId, { mode: 'range', offset: 0, limit: 10 }, ref).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'BOARD_NOT_FOUND', status: 404 });
    }
    await expect(read(boardId, { mode: 'member', candidateId: 'a' })).rejects.toMatchObject({
      code: 'BOARD_NOT_FOUND',
    });
  });

  it('reads k ranks either side of a member, clipped at the ends', async () => {
    const boardId = await ladder();
    const around = async (candidateId: string, k: number) => {
      const slice = await read(boardId, { mode: 'around', candidateId, k });
      return { ranks: slice.entries.map((e) => `${e.rank}:${e.candidateId}`), focus: slice.foci };
    };
    expect(await around('d', 2)).toEqual({
      ranks: ['2:f', '3:e', '4:d', '5:c', '6:b'],
      focus: [{ candidateId: 'd', rank: 4, score: 4 }],
    });
    expect((await around('g', 2)).ranks).toEqual(['1:g', '2:f', '3:e']);
    expect((await around('a', 1)).ranks).toEqual(['6:b', '7:a']);
    expect((await around('f', 10)).ranks).toHaveLength(7);
  });

  it('watches the top and the named members, in the order named', async () => {
    const boardId = await ladder();
    const slice = await read(boardId, { mode: 'watch', limit: 2, candidateIds: ['a', 'f', 'd'] });
    expect(slice.entries).toEqual([
      { rank: 1, candidateId: 'g', score: 7 },
      { rank: 2, candidateId: 'f', score: 6 },
    ]);
    expect(slice.foci).toEqual([
      { candidateId: 'a', rank: 7, score: 1 },
      { candidateId: 'f', rank: 2, score: 6 },
      { candidateId: 'd', rank: 4, score: 4 },
    ]);
    expect(slice.totals).toEqual({ votes: 28, members: 7 });
    expect((await read(boardId, { mode: 'watch', limit: 1, candidateIds: [] })).foci).toEqual([]);
  });

  it('refuses a public read of the live keys once the board is frozen, which a host still reads', async () => {
    const boardId = await ladder();
    const request = { mode: 'range', offset: 0, limit: 1 } as const;
    const publicLive = { ...liveReadKeys(keys, boardId, ALL), publicStatus: 'live' as const };
    expect(await readBoard(redis, keys, boardId, ALL, request, publicLive)).toMatchObject({ seq: 28 });

    await changeBoardStatus(redis, keys, boardId, 'frozen');
    await apply(boardId, [vote('a')]);
    const error = await readBoard(redis, keys, boardId, ALL, request, publicLive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleStatusError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(await read(boardId, request)).toMatchObject({ seq: 29, totals: { votes: 29 } });
  });
});
