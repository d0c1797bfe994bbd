import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { PeriodWindow } from '../../src/protocol/periods.js';
import type { RedisClient } from '../../src/redis/connection.js';
import {
  applyVotes,
  changeBoardStatus,
  closeRedis,
  createKeys,
  publicReadKeys,
  readBoard,
  readBoardMeta,
  registerBoard,
  type WindowRef,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
/** A Wednesday: its Monday week began 2026-11-23, its month 2026-11-01. */
const FREEZE_AT = Date.UTC(2026, 10, 25, 4);
const EXPIRES = Math.floor(Date.now() / 1000) + 10 * 86_400;
const period = (window: PeriodWindow, day: string): WindowRef => ({ window, day });

let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));

async function newBoard() {
  const boardId = randomId('board');
  await registerBoard(redis, keys, {
    boardId,
    title: `T ${boardId}`,
    kind: 'vote',
    dailyRetentionDays: 8,
    candidateIds: ['alice', 'bob'],
    status: 'live',
  });
  return boardId;
}

async function vote(boardId: string, candidateId: string, day: string) {
  const result = await applyVotes(
    redis,
    keys,
    boardId,
    [{ voteId: randomId('v'), candidateId, action: 'vote', day, dayExpiresAt: EXPIRES }],
    { dedupTtlSeconds: 600, origin: 'test' },
  );
  expect(result.outcome).toBe('applied');
}

async function publicRanking(boardId: string, ref: WindowRef) {
  const meta = await readBoardMeta(redis, keys, boardId);
  if (!meta) throw new Error('board missing');
  const from = publicReadKeys(keys, boardId, meta, ref);
  const slice = await readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit: 10 }, from);
  return {
    seq: slice.seq,
    votes: slice.totals.votes,
    ranking: slice.entries.map((e) => `${e.candidateId}:${e.score}`),
  };
}

describe('封榜 of the week and month windows', () => {
  it("shows the freeze week's and month's ranking as they stood, earlier weeks as they are, later ones empty", async () => {
    const boardId = await newBoard();
    await vote(boardId, 'bob', '2026-11-20'); // the week before
    await vote(boardId, 'alice', '2026-11-23'); // the freeze week, before the freeze
    await changeBoardStatus(redis, keys, boardId, 'frozen', { now: FREEZE_AT });
    await vote(boardId, 'bob', '2026-11-26'); // the freeze week, after
    await vote(boardId, 'bob', '2026-11-30'); // the next week, still November

    expect(await publicRanking(boardId, period('week', '2026-11-23'))).toEqual({
      seq: 2,
      votes: 1,
      ranking: ['alice:1'],
    });
    expect(await publicRanking(boardId, period('month', '2026-11-01'))).toEqual({
      seq: 2,
      votes: 2,
      ranking: ['bob:1', 'alice:1'],
    });
    expect(await publicRanking(boardId, period('week', '2026-11-16'))).toEqual({
      seq: 2,
      votes: 1,
      ranking: ['bob:1'],
    });
    expect(await publicRanking(boardId, period('week', '2026-11-30'))).toEqual({
      seq: 2,
      votes: 0,
      ranking: [],
    });

    const f = keys.board(boardId).frozen;
    expect(await redis.ttl(f.period('week').scores)).toBe(-1);
    expect(await redis.ttl(f.period('month').total)).toBe(-1);

    // Thawed: the copies go, and the public reads the live week and month again.
    expect(await changeBoardStatus(redis, keys, boardId, 'ended')).toEqual({ outcome: 'thawed' });
    expect(
      await redis.exists(
        f.period('week').scores,
        f.period('week').total,
        f.period('month').scores,
        f.period('month').total,
      ),
    ).toBe(0);
    expect((await publicRanking(boardId, period('week', '2026-11-23'))).ranking).toEqual([
      'alice:1',
      'bob:1',
    ]);
    expect((await publicRanking(boardId, period('month', '2026-11-01'))).ranking).toEqual([
      'bob:3',
      'alice:1',
    ]);
  });
});
