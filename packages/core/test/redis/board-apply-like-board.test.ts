import { describe, expect, it } from 'vitest';
import { testRedis } from '../../../../test/support/stack.js';
import {
  type ApplyVotesResult,
  applyVotes,
  readBoard,
  type VoteToApply,
  type VoteVerdict,
} from '../../src/redis/index.js';
import {
  ALL,
  apply,
  boardState,
  config,
  connections,
  counted,
  dayOf,
  keys,
  like,
  member,
  mulberry32,
  newBoard,
  options,
  redis,
  rejected,
  TODAY,
  unchanged,
  useBoardRedis,
  vote,
  YESTERDAY,
} from './board-fixture.js';

useBoardRedis();

describe('applyVotes on a like board', () => {
  it('counts a like once per voter: a repeated like is unchanged', async () => {
    const boardId = await newBoard(['alice', 'bob'], 'like');
    const result = await apply(boardId, [like('alice', 'u1'), like('alice', 'u1'), like('alice', 'u2')]);
    expect(result.verdicts).toEqual([counted(1), unchanged(), counted(2)]);
    expect(await redis.smembers(keys.board(boardId).likes('alice'))).toHaveLength(2);
    expect((await apply(boardId, [like('alice', 'u2')])).verdicts).toEqual([unchanged()]);
    expect(await member(boardId, 'alice')).toEqual({ candidateId: 'alice', rank: 1, score: 2 });
    expect(await redis.get(keys.board(boardId).seq)).toBe('2');
  });

  it('removes a like on unlike, and leaves an unlike without a like unchanged', async () => {
    const boardId = await newBoard(['alice', 'bob'], 'like');
    await apply(boardId, [like('alice', 'u1'), like('alice', 'u2')]);
    const result = await apply(boardId, [
      like('alice', 'u1', 'unlike'),
      like('alice', 'u1', 'unlike'),
      like('alice', 'u3', 'unlike'),
      like('bob', 'u2', 'unlike'),
    ]);
    expect(result).toEqual({
      outcome: 'applied',
      seq: 3,
      verdicts: [counted(3, -1), unchanged(), unchanged(), unchanged()],
    });
    expect(await redis.smembers(keys.board(boardId).likes('alice'))).toEqual(['u2']);
    const slice = await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 10 });
    expect(slice.totals.votes).toBe(1);
    expect(slice.entries).toEqual([
      { rank: 1, candidateId: 'alice', score: 1 },
      { rank: 2, candidateId: 'bob', score: 0 },
    ]);
    // Liking again after an unlike counts again.
    expect((await apply(boardId, [like('alice', 'u1')])).verdicts).toEqual([counted(4)]);
  });

  it('rejects a plain vote (ACTION_NOT_ALLOWED) and a like without a voter (VOTER_REQUIRED), changing nothing', async () => {
    const boardId = await newBoard(['alice'], 'like');
    const before = await boardState(boardId);
    const result = await apply(boardId, [vote('alice'), vote('alice', { action: 'like' })]);
    expect(result.verdicts[0]).toEqual(rejected('ACTION_NOT_ALLOWED'));
    expect(result.verdicts[1]).toEqual(rejected('VOTER_REQUIRED'));
    expect(await boardState(boardId)).toEqual(before);
  });

  it('keeps a day net of its unlikes: a like on one day and its unlike on the next', async () => {
    const boardId = await newBoard(['alice', 'bob'], 'like');
    await apply(boardId, [like('alice', 'u1', 'like', { day: YESTERDAY })]);
    await apply(boardId, [like('alice', 'u1', 'unlike', { day: TODAY })]);
    expect(await member(boardId, 'alice', dayOf(YESTERDAY))).toEqual({
      candidateId: 'alice',
      rank: 1,
      score: 1,
    });
    expect(await member(boardId, 'alice', dayOf(TODAY))).toEqual({
      candidateId: 'alice',
      rank: 1,
      score: -1,
    });
    expect(await member(boardId, 'alice')).toMatchObject({ score: 0 });
    const today = await readBoard(redis, keys, boardId, dayOf(TODAY), { mode: 'range', offset: 0, limit: 5 });
    expect(today.totals.votes).toBe(-1);
  });

  it('when many connections race likes and unlikes, ends with exactly the voters whose last counted action was a like', async () => {
    const boardId = await newBoard(['alice', 'bob', 'carol'], 'like');
    const racers = await Promise.all(Array.from({ length: 6 }, () => testRedis(config)));
    connections.push(...racers);
    const random = mulberry32(20261125);
    const voters = Array.from({ length: 40 }, (_, i) => `u${i}`);
    const members = ['alice', 'bob', 'carol'];
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

    const batches = racers.map((connection) => ({
      connection,
      batches: Array.from({ length: 30 }, () =>
        Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
          like(pick(members), pick(voters), random() < 0.55 ? 'like' : 'unlike'),
        ),
      ),
    }));
    const applied: { vote: VoteToApply; verdict: VoteVerdict }[] = [];
    await Promise.all(
      batches.map(async ({ connection, batches: list }) => {
        await Promise.all(
          list.map(async (batch) => {
            const result: ApplyVotesResult = await applyVotes(connection, keys, boardId, batch, options);
            if (result.outcome !== 'applied') throw new Error(result.outcome);
            batch.forEach((v, i) => {
              applied.push({ vote: v, verdict: result.verdicts[i] as VoteVerdict });
            });
          }),
        );
      }),
    );

    const changes = applied.flatMap(({ vote: v, verdict }) =>
      verdict.verdict === 'counted' ? [{ ...v, seq: verdict.seq, delta: verdict.delta }] : [],
    );
    expect(applied.every(({ verdict }) => verdict.verdict !== 'rejected' && !verdict.duplicate)).toBe(true);
    // The race really raced: many changes counted, and many found the toggle already set.
    expect(changes.length).toBeGreaterThan(100);
    expect(applied.filter(({ verdict }) => verdict.verdict === 'unchanged').length).toBeGreaterThan(50);
    const finalSeq = Number(await redis.get(keys.board(boardId).seq));
    // Every counted change took its own seq, with none skipped.
    expect(changes.map((c) => c.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: finalSeq }, (_, i) => i + 1),
    );

    const total = await readBoard(redis, keys, boardId, ALL, { mode: 'range', offset: 0, limit: 10 });
    for (const m of members) {
      const liked = new Set<string>();
      for (const voter of voters) {
        const mine = changes
          .filter((c) => c.candidateId === m && c.voterId === voter)
          .sort((a, b) => a.seq - b.seq);
        // A voter's counted changes alternate like, unlike, like, … starting with a like.
        expect(mine.map((c) => c.delta)).toEqual(mine.map((_, i) => (i % 2 === 0 ? 1 : -1)));
        if (mine.at(-1)?.delta === 1) liked.add(voter);
      }
      expect(new Set(await redis.smembers(keys.board(boardId).likes(m)))).toEqual(liked);
      expect(total.entries.find((e) => e.candidateId === m)?.score).toBe(liked.size);
      expect((await member(boardId, m, dayOf(TODAY)))?.score ?? 0).toBe(liked.size);
    }
    expect(total.totals.votes).toBe(changes.reduce((sum, c) => sum + c.delta, 0));
    expect(total.seq).toBe(finalSeq);
  });
});
