import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { AppError } from '../../src/protocol/errors.js';
import {
  applyVote,
  assertCandidate,
  type BoardChange,
  closeRedis,
  createKeys,
  readLeaderboard,
  registerBoard,
  runScript,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
const options = { dedupTtlSeconds: 60, origin: 'test' };
let redis: Awaited<ReturnType<typeof testRedis>>;

beforeAll(async () => {
  redis = await testRedis(config);
  await registerBoard(redis, keys, {
    boardId: 'b1',
    title: 'B1',
    kind: 'vote',
    candidateIds: ['alice', 'bob'],
  });
});
afterAll(() => closeRedis(redis));

const vote = (voteId: string, candidateId = 'alice', boardId = 'b1') => ({ voteId, boardId, candidateId });

describe('applyVote', () => {
  it('counts a vote and returns the new score and seq', async () => {
    const result = await applyVote(redis, keys, vote('first-vote-1'), options);
    expect(result).toMatchObject({ outcome: 'applied', score: 1 });
  });

  it('never counts the same vote id twice', async () => {
    const first = await applyVote(redis, keys, vote('same-vote-2', 'bob'), options);
    const again = await applyVote(redis, keys, vote('same-vote-2', 'bob'), options);
    expect(first.outcome).toBe('applied');
    expect(again).toEqual({ outcome: 'duplicate', score: 1, seq: (first as { seq: number }).seq });
    expect(Number(await redis.zscore(keys.board('b1').scores, 'bob'))).toBe(1);
  });

  it('rejects an unknown member without touching the board', async () => {
    const seqBefore = await redis.get(keys.board('b1').seq);
    expect(await applyVote(redis, keys, vote('ghost-vote-3', 'mallory'), options)).toEqual({
      outcome: 'rejected',
      reason: 'UNKNOWN_MEMBER',
    });
    expect(await redis.get(keys.board('b1').seq)).toBe(seqBefore);
    expect(await redis.zscore(keys.board('b1').scores, 'mallory')).toBeNull();
  });

  it('rejects a vote for a board that does not exist', async () => {
    expect(await applyVote(redis, keys, vote('nowhere-vote-4', 'alice', 'no-such-board'), options)).toEqual({
      outcome: 'rejected',
      reason: 'BOARD_NOT_FOUND',
    });
  });

  it('publishes each applied change once, with the board seq', async () => {
    const subscriber = await testRedis(config, 'subscriber');
    const received: BoardChange[] = [];
    subscriber.on('message', (_channel, message) => received.push(JSON.parse(message) as BoardChange));
    await subscriber.subscribe(keys.boardChanges('b1'));
    const applied = await applyVote(redis, keys, vote('published-vote-5', 'alice'), options);
    await applyVote(redis, keys, vote('published-vote-5', 'alice'), options);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closeRedis(subscriber);
    expect(received).toEqual([
      {
        boardId: 'b1',
        candidateId: 'alice',
        score: 2,
        seq: (applied as { seq: number }).seq,
        origin: 'test',
      },
    ]);
  });
});

describe('readLeaderboard', () => {
  it('ranks by score with the seq read in the same step', async () => {
    const snapshot = await readLeaderboard(redis, keys, 'b1', 10);
    expect(snapshot.entries).toEqual([
      { rank: 1, candidateId: 'alice', score: 2 },
      { rank: 2, candidateId: 'bob', score: 1 },
    ]);
    expect(snapshot.seq).toBe(Number(await redis.get(keys.board('b1').seq)));
  });

  it('limits the number of entries', async () => {
    expect((await readLeaderboard(redis, keys, 'b1', 1)).entries).toHaveLength(1);
  });

  it('shows an empty ranking for a board with no votes yet', async () => {
    await registerBoard(redis, keys, { boardId: 'fresh', title: 'F', kind: 'vote', candidateIds: ['x'] });
    expect(await readLeaderboard(redis, keys, 'fresh', 10)).toEqual({
      boardId: 'fresh',
      seq: 0,
      entries: [],
    });
  });

  it('throws BOARD_NOT_FOUND for an unknown board', async () => {
    await expect(readLeaderboard(redis, keys, 'missing', 10)).rejects.toMatchObject({
      code: 'BOARD_NOT_FOUND',
    });
  });
});

describe('assertCandidate', () => {
  it('passes for a registered candidate and names the problem otherwise', async () => {
    await expect(assertCandidate(redis, keys, 'b1', 'alice')).resolves.toBeUndefined();
    await expect(assertCandidate(redis, keys, 'b1', 'zed')).rejects.toEqual(new AppError('UNKNOWN_MEMBER'));
    await expect(assertCandidate(redis, keys, 'nope', 'alice')).rejects.toMatchObject({
      code: 'BOARD_NOT_FOUND',
    });
  });
});

describe('runScript', () => {
  it('refuses a call with the wrong number of keys', async () => {
    await expect(runScript(redis, 'checkMember', ['only-one'], ['x'])).rejects.toThrow(/takes 2 keys, got 1/);
  });
});
