import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import {
  type ApplyVotesResult,
  applyVotes,
  type BoardQuotas,
  dayExpiresAt,
  decodeScore,
  encodeScore,
  MAX_COUNT,
  MAX_SEQ,
  readBoard,
  readBoardMeta,
  readQuotaUse,
  registerBoard,
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
  EXPIRES,
  ids,
  keys,
  like,
  listen,
  member,
  mulberry32,
  newBoard,
  options,
  redis,
  rejected,
  TODAY,
  top,
  unchanged,
  useBoardRedis,
  vote,
  YESTERDAY,
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
