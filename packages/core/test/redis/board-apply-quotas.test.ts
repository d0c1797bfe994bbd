import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import {
  type ApplyVotesResult,
  type BoardQuotas,
  readBoard,
  readBoardMeta,
  readQuotaUse,
  registerBoard,
} from '../../src/redis/index.js';
import {
  ALL,
  apply,
  config,
  connections,
  keys,
  newBoard,
  redis,
  TODAY,
  useBoardRedis,
  vote,
  YESTERDAY,
} from './board-fixture.js';

useBoardRedis();

describe('quotas', () => {
  async function quotaBoard(quotas: BoardQuotas, candidateIds = ['alice', 'bob', 'carol']) {
    const boardId = randomId('board');
    await registerBoard(redis, keys, {
      boardId,
      title: 'Q',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds,
      quotas,
    });
    return boardId;
  }
  const verdictsOf = (result: Extract<ApplyVotesResult, { outcome: 'applied' }>) =>
    result.verdicts.map((v) => (v.verdict === 'rejected' ? v.reason : v.verdict));

  it('counts a voter up to the daily quota and rejects the rest QUOTA_EXCEEDED, other voters and days untouched', async () => {
    const boardId = await quotaBoard({ perDay: 2 });
    const result = await apply(boardId, [
      vote('alice', { voterId: 'v1' }),
      vote('bob', { voterId: 'v1' }),
      vote('carol', { voterId: 'v1' }),
      vote('carol', { voterId: 'v2' }),
      vote('carol', { voterId: 'v1', day: YESTERDAY }),
    ]);
    expect(verdictsOf(result)).toEqual(['counted', 'counted', 'QUOTA_EXCEEDED', 'counted', 'counted']);
    expect(await readQuotaUse(redis, keys, boardId, 'v1', TODAY)).toEqual({
      day: 2,
      byCandidate: { alice: 1, bob: 1 },
      total: 3,
    });
    const slice = await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 3 });
    expect(slice.totals.votes).toBe(4);
  });

  it('limits votes per member per day', async () => {
    const boardId = await quotaBoard({ perCandidatePerDay: 1 });
    const result = await apply(boardId, [
      vote('alice', { voterId: 'v1' }),
      vote('alice', { voterId: 'v1' }),
      vote('bob', { voterId: 'v1' }),
    ]);
    expect(verdictsOf(result)).toEqual(['counted', 'QUOTA_EXCEEDED', 'counted']);
  });

  it("limits votes per voter over the board's life, across days", async () => {
    const boardId = await quotaBoard({ total: 2, perDay: 5 });
    const result = await apply(boardId, [
      vote('alice', { voterId: 'v1', day: YESTERDAY }),
      vote('alice', { voterId: 'v1' }),
      vote('bob', { voterId: 'v1' }),
    ]);
    expect(verdictsOf(result)).toEqual(['counted', 'counted', 'QUOTA_EXCEEDED']);
  });

  it('spends no quota on a re-delivered vote or a rejected one', async () => {
    const boardId = await quotaBoard({ perDay: 2 });
    const first = vote('alice', { voterId: 'v1' });
    await apply(boardId, [first, vote('nobody', { voterId: 'v1' })]);
    const again = await apply(boardId, [first, vote('bob', { voterId: 'v1' })]);
    expect(again.verdicts.map((v) => [v.verdict, v.duplicate])).toEqual([
      ['counted', true],
      ['counted', false],
    ]);
    expect((await readQuotaUse(redis, keys, boardId, 'v1', TODAY)).day).toBe(2);
  });

  it('rejects a vote without a voter while the board has quotas (VOTER_REQUIRED)', async () => {
    const boardId = await quotaBoard({ perDay: 1 });
    expect(verdictsOf(await apply(boardId, [vote('alice')]))).toEqual(['VOTER_REQUIRED']);
  });

  it('holds under racing connections: exactly the quota counts', async () => {
    const boardId = await quotaBoard({ perDay: 3 });
    const racers = await Promise.all(Array.from({ length: 6 }, () => testRedis(config)));
    connections.push(...racers);
    const results = await Promise.all(
      racers.map((connection, i) =>
        apply(
          boardId,
          [vote(i % 2 ? 'alice' : 'bob', { voterId: 'v1' }), vote('carol', { voterId: 'v1' })],
          connection,
        ),
      ),
    );
    const verdicts = results.flatMap(verdictsOf);
    expect(verdicts.filter((v) => v === 'counted')).toHaveLength(3);
    expect(verdicts.filter((v) => v === 'QUOTA_EXCEEDED')).toHaveLength(9);
    expect((await readQuotaUse(redis, keys, boardId, 'v1', TODAY)).day).toBe(3);
  });

  it("gives a voter's day counters an expiry, and keeps none while the board has no quotas", async () => {
    const boardId = await quotaBoard({ perDay: 5 });
    const expiresAt = Math.floor(Date.now() / 1000) + 3_600;
    await apply(boardId, [vote('alice', { voterId: 'v1', quotaExpiresAt: expiresAt })]);
    const ttl = await redis.ttl(keys.board(boardId).quotaDay(TODAY, 'v1'));
    expect(ttl).toBeGreaterThan(3_500);
    expect(ttl).toBeLessThanOrEqual(3_600);

    const free = await newBoard();
    await apply(free, [vote('alice', { voterId: 'v1' })]);
    expect(await redis.exists(keys.board(free).quotaDay(TODAY, 'v1'), keys.board(free).quotaTotals)).toBe(0);
  });

  it('takes quotas from the registration: a new registration replaces them, and one without removes them', async () => {
    const boardId = await quotaBoard({ perDay: 1, total: 9 });
    expect((await readBoardMeta(redis, keys, boardId))?.quotas).toEqual({ perDay: 1, total: 9 });
    await registerBoard(redis, keys, {
      boardId,
      title: 'Q',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: [],
      quotas: { perCandidatePerDay: 4 },
    });
    expect((await readBoardMeta(redis, keys, boardId))?.quotas).toEqual({ perCandidatePerDay: 4 });
    await registerBoard(redis, keys, {
      boardId,
      title: 'Q',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: [],
    });
    expect((await readBoardMeta(redis, keys, boardId))?.quotas).toEqual({});
    expect(verdictsOf(await apply(boardId, [vote('alice'), vote('alice')]))).toEqual(['counted', 'counted']);
  });
});
