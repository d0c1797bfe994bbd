import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { applyVotes, decodeScore, readBoard, registerBoard } from '../../src/redis/index.js';
import {
  ALL,
  apply,
  boardState,
  counted,
  dayOf,
  keys,
  like,
  listen,
  member,
  newBoard,
  options,
  redis,
  rejected,
  TODAY,
  useBoardRedis,
  vote,
} from './board-fixture.js';

useBoardRedis();

describe('applyVotes on a vote board', () => {
  it('counts each vote +1 with its own seq, the totals and the seq moving once per counted vote', async () => {
    const boardId = await newBoard();
    const result = await apply(boardId, [vote('alice'), vote('bob'), vote('alice')]);
    expect(result).toEqual({ outcome: 'applied', seq: 3, verdicts: [counted(1), counted(2), counted(3)] });
    const next = await apply(boardId, [vote('carol')]);
    expect(next).toEqual({ outcome: 'applied', seq: 4, verdicts: [counted(4)] });

    expect(await redis.get(keys.board(boardId).seq)).toBe('4');
    const slice = await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 10 });
    expect(slice.seq).toBe(4);
    expect(slice.totals).toEqual({ votes: 4, members: 3 });
    expect(slice.entries).toEqual([
      { rank: 1, candidateId: 'alice', score: 2 },
      { rank: 2, candidateId: 'bob', score: 1 },
      { rank: 3, candidateId: 'carol', score: 1 },
    ]);
    const day = await readBoard(redis, keys, boardId, dayOf(TODAY), { mode: 'range', offset: 0, limit: 10 });
    expect(day.totals).toEqual({ votes: 4, members: 3 });
    expect(day.entries).toEqual(slice.entries);
    // The encoded score remembers the seq that brought each member to its count.
    expect(decodeScore(Number(await redis.zscore(keys.board(boardId).scores, 'alice')))).toEqual({
      count: 2,
      seq: 3,
    });
  });

  it('publishes one message per batch that changed something, listing each changed member once', async () => {
    const boardId = await newBoard();
    const channel = await listen(boardId);
    const v = vote('alice');
    const first = await apply(boardId, [v, vote('bob'), vote('alice')]);
    // Changes nothing (a rejection and a duplicate), so publishes nothing.
    const none = await apply(boardId, [vote('nobody'), v]);
    const last = await apply(boardId, [vote('carol')]);
    const messages = await channel.until(2);
    await channel.close();

    expect(first.seq).toBe(3);
    expect(none.seq).toBe(3);
    expect(last.seq).toBe(4);
    // Messages on one channel arrive in publish order: nothing came between the two.
    expect(messages).toEqual([
      { boardId, seq: 3, members: ['alice', 'bob'], reset: false, origin: 'test' },
      { boardId, seq: 4, members: ['carol'], reset: false, origin: 'test' },
    ]);
  });

  it('answers a vote id seen in an earlier call as a duplicate with its first verdict, changing nothing', async () => {
    const boardId = await newBoard();
    const v = vote('alice');
    const first = await apply(boardId, [vote('bob'), v]);
    const before = await boardState(boardId);
    // Even if the re-delivery names another member, the marker decides.
    const again = await apply(boardId, [v, { ...v, candidateId: 'carol' }]);
    expect(first.verdicts[1]).toEqual(counted(2));
    expect(again).toEqual({
      outcome: 'applied',
      seq: 2,
      verdicts: [counted(2, 1, true), counted(2, 1, true)],
    });
    expect(await boardState(boardId)).toEqual(before);
    // The marker that remembers it lives for the dedup ttl.
    const marker = keys.board(boardId).vote(v.voteId);
    expect(await redis.get(marker)).toBe('c,2,1');
    expect(await redis.ttl(marker)).toBeGreaterThan(0);
    expect(await redis.ttl(marker)).toBeLessThanOrEqual(options.dedupTtlSeconds);
  });

  it('counts a vote id twice in one batch only once', async () => {
    const boardId = await newBoard();
    const v = vote('alice');
    const result = await apply(boardId, [v, vote('bob'), v]);
    expect(result.verdicts).toEqual([counted(1), counted(2), counted(1, 1, true)]);
    expect((await member(boardId, 'alice'))?.score).toBe(1);
    expect(
      (await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 0 })).totals.votes,
    ).toBe(2);
  });

  it('keeps a stopped vote’s assessment with its marker and answers it with every duplicate, never overwritten', async () => {
    const boardId = await newBoard();
    const held = vote('alice', { voterId: 'p1', mode: 'h', assessment: '{"first":true}' });
    const counts = vote('bob', { voterId: 'p2' });
    expect((await apply(boardId, [held, counts])).verdicts).toEqual([
      { verdict: 'held', duplicate: false },
      counted(1),
    ]);
    const kept = keys.board(boardId).risk.decision(held.voteId);
    // Kept as long as the marker.
    expect(await redis.ttl(kept)).toBeGreaterThan(options.dedupTtlSeconds - 5);
    // Again, as a run under other settings would send them: the first run's answer, and nothing kept
    // for the vote accepted.
    const again = await apply(boardId, [
      { ...held, mode: 'n', assessment: undefined },
      { ...counts, mode: 'h', assessment: '{"now":true}' },
    ]);
    expect(again.verdicts).toEqual([
      { verdict: 'held', duplicate: true, assessment: '{"first":true}' },
      { ...counted(1), duplicate: true },
    ]);
    expect(await redis.get(kept)).toBe('{"first":true}');
    expect(await redis.exists(keys.board(boardId).risk.decision(counts.voteId))).toBe(0);
  });

  it('rejects an unknown member, changes nothing, and remembers the verdict even after the member is added', async () => {
    const boardId = await newBoard();
    const v = vote('mallory');
    const before = await boardState(boardId);
    expect((await apply(boardId, [v])).verdicts).toEqual([rejected('UNKNOWN_MEMBER')]);
    expect(await boardState(boardId)).toEqual(before);
    expect(await redis.zscore(keys.board(boardId).scores, 'mallory')).toBeNull();

    await registerBoard(redis, keys, {
      boardId,
      title: 'T',
      kind: 'vote',
      dailyRetentionDays: 8,
      candidateIds: ['mallory'],
    });
    expect((await apply(boardId, [v])).verdicts).toEqual([rejected('UNKNOWN_MEMBER', true)]);
    expect((await apply(boardId, [vote('mallory')])).verdicts).toEqual([counted(1)]);
  });

  it('rejects a like or unlike on a vote board as ACTION_NOT_ALLOWED', async () => {
    const boardId = await newBoard();
    const before = await boardState(boardId);
    const result = await apply(boardId, [like('alice', 'u1'), like('alice', 'u1', 'unlike')]);
    expect(result.verdicts).toEqual([rejected('ACTION_NOT_ALLOWED'), rejected('ACTION_NOT_ALLOWED')]);
    expect(await boardState(boardId)).toEqual(before);
  });

  it('answers board-missing for a board Redis does not have, and writes no marker', async () => {
    const boardId = randomId('board');
    const v = vote('alice');
    expect(await applyVotes(redis, keys, boardId, [v], options)).toEqual({ outcome: 'board-missing' });
    expect(await redis.exists(keys.board(boardId).vote(v.voteId))).toBe(0);
  });

  it('answers board-missing when only part of the board is left (meta without members), rejecting nothing', async () => {
    const boardId = await newBoard();
    await redis.del(keys.board(boardId).members);
    const v = vote('alice');
    expect(await applyVotes(redis, keys, boardId, [v], options)).toEqual({ outcome: 'board-missing' });
    expect(await redis.exists(keys.board(boardId).vote(v.voteId))).toBe(0);
  });

  it('answers fenced while a rebuild holds the board, changing nothing, and counts the vote once it is lifted', async () => {
    const boardId = await newBoard();
    await apply(boardId, [vote('bob')]);
    const k = keys.board(boardId);
    await redis.set(k.fence, 'rebuild-token', 'PX', 60_000);
    const before = await boardState(boardId);
    const v = vote('alice');
    expect(await applyVotes(redis, keys, boardId, [v], options)).toEqual({ outcome: 'fenced' });
    expect(await boardState(boardId)).toEqual(before);
    expect(await redis.exists(k.vote(v.voteId))).toBe(0);

    await redis.del(k.fence);
    expect((await apply(boardId, [v])).verdicts).toEqual([counted(2)]);
  });

  it('answers an empty batch without calling Redis', async () => {
    expect(await applyVotes(redis, keys, randomId('board'), [], options)).toEqual({
      outcome: 'applied',
      seq: 0,
      verdicts: [],
    });
  });
});
