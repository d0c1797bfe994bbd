import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { AppError } from '../../src/protocol/errors.js';
import type { VoteAction } from '../../src/protocol/votes.js';
import {
  type ApplyVotesResult,
  applyVotes,
  type BoardChange,
  type BoardKind,
  type BoardQuotas,
  type BoardRead,
  boardChangeSchema,
  closeRedis,
  createKeys,
  dayExpiresAt,
  decodeScore,
  encodeScore,
  fenceBoard,
  formatVerdict,
  installBoard,
  liftFence,
  MAX_COUNT,
  MAX_SEQ,
  parseVerdict,
  readBoard,
  readBoardMeta,
  readMembers,
  readQuotaUse,
  registerBoard,
  runScript,
  type VoteToApply,
  type VoteVerdict,
  type WindowRef,
} from '../../src/redis/index.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
const options = { dedupTtlSeconds: 600, origin: 'test' };
const ALL: WindowRef = { window: 'all' };
const TODAY = '2026-11-25';
const YESTERDAY = '2026-11-24';
const dayOf = (day: string): WindowRef => ({ window: 'day', day });
/** Well in the future, so EXPIREAT never deletes a key under test. */
const EXPIRES = Math.floor(Date.now() / 1000) + 10 * 86_400;

let redis: Redis;
const connections: Redis[] = [];

beforeAll(async () => {
  redis = await testRedis(config);
  connections.push(redis);
});
afterAll(() => Promise.all(connections.map((c) => closeRedis(c))));

async function newBoard(candidateIds: string[] = ['alice', 'bob', 'carol'], kind: BoardKind = 'vote') {
  const boardId = randomId('board');
  await registerBoard(redis, keys, {
    boardId,
    title: `T ${boardId}`,
    kind,
    dailyRetentionDays: 8,
    candidateIds,
  });
  return boardId;
}

function vote(candidateId: string, over: Partial<VoteToApply> = {}): VoteToApply {
  return { voteId: randomId('v'), candidateId, action: 'vote', day: TODAY, dayExpiresAt: EXPIRES, ...over };
}

const like = (
  candidateId: string,
  voterId: string,
  action: VoteAction = 'like',
  over: Partial<VoteToApply> = {},
) => vote(candidateId, { action, voterId, ...over });

async function apply(boardId: string, votes: VoteToApply[], connection: Redis = redis) {
  const result = await applyVotes(connection, keys, boardId, votes, options);
  if (result.outcome !== 'applied') throw new Error(`expected applied, got ${result.outcome}`);
  return result;
}

const top = async (boardId: string, ref: WindowRef = ALL, limit = 100) =>
  (await readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit })).entries;

const ids = async (boardId: string, ref: WindowRef = ALL) =>
  (await top(boardId, ref)).map((e) => e.candidateId);

const member = async (boardId: string, candidateId: string, ref: WindowRef = ALL) =>
  (await readBoard(redis, keys, boardId, ref, { mode: 'member', candidateId })).foci[0];

/** Everything of a board a vote could change, to show that something changed nothing. */
async function boardState(boardId: string, days: string[] = [TODAY]) {
  const k = keys.board(boardId);
  const windows = await Promise.all(
    [k, ...days.map((d) => k.day(d))].map(async (w) => ({
      scores: await redis.zrange(w.scores, '0', '-1', 'WITHSCORES'),
      total: await redis.get(w.total),
    })),
  );
  return { seq: await redis.get(k.seq), windows };
}

/** Collects the messages published on a board's change channel, on a connection of its own. */
async function listen(boardId: string) {
  const subscriber = await testRedis(config, 'subscriber');
  connections.push(subscriber);
  const messages: BoardChange[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  subscriber.on('message', (_channel: string, text: string) => {
    messages.push(boardChangeSchema.parse(JSON.parse(text)));
    for (const w of waiters) if (messages.length >= w.count) w.resolve();
  });
  await subscriber.subscribe(keys.boardChanges(boardId));
  return {
    messages,
    /** Resolves once `count` messages in all have arrived. */
    until: (count: number) =>
      new Promise<BoardChange[]>((resolve) => {
        if (messages.length >= count) resolve(messages);
        else waiters.push({ count, resolve: () => resolve(messages) });
      }),
    close: () => closeRedis(subscriber),
  };
}

const counted = (seq: number, delta: 1 | -1 = 1, duplicate = false): VoteVerdict => ({
  duplicate,
  verdict: 'counted',
  seq,
  delta,
});
const rejected = (
  reason: 'UNKNOWN_MEMBER' | 'ACTION_NOT_ALLOWED' | 'VOTER_REQUIRED' | 'BOARD_FULL' | 'SCORE_LIMIT',
  duplicate = false,
) => ({ duplicate, verdict: 'rejected', reason }) as const;
const unchanged = (duplicate = false) => ({ duplicate, verdict: 'unchanged' }) as const;

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
      foci: [],
    });
    expect(await readBoardMeta(redis, keys, boardId)).toEqual({
      title: `T ${boardId}`,
      kind: 'vote',
      timezone: 'Asia/Shanghai',
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
});

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
      days: [
        { day: TODAY, expiresAt: EXPIRES, total: 5, members: [{ candidateId: 'c', count: 5, seq: 9 }] },
        { day: YESTERDAY, expiresAt: EXPIRES - 86_400, total: 0, members: [] },
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
      days: [],
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
        days: [],
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

  function registration(boardId: string, candidateIds: string[]) {
    return { boardId, title: 'T', kind: 'vote' as const, dailyRetentionDays: 8, candidateIds };
  }
  const read = (boardId: string, ref: WindowRef = ALL) =>
    readBoard(redis, keys, boardId, ref, { mode: 'range', offset: 0, limit: 10 });
});

describe('verdict markers', () => {
  it('round-trip through formatVerdict and parseVerdict', () => {
    const verdicts: VoteVerdict[] = [
      counted(1),
      counted(MAX_SEQ, -1),
      unchanged(),
      rejected('UNKNOWN_MEMBER'),
      rejected('SCORE_LIMIT'),
    ];
    for (const verdict of verdicts) {
      expect(parseVerdict(formatVerdict(verdict), false)).toEqual(verdict);
      expect(parseVerdict(formatVerdict(verdict), true)).toEqual({ ...verdict, duplicate: true });
    }
    expect(formatVerdict(counted(7, -1))).toBe('c,7,-1');
    expect(formatVerdict(unchanged())).toBe('u');
    expect(formatVerdict(rejected('BOARD_FULL'))).toBe('r,BOARD_FULL');
  });

  it('refuses a marker it cannot read', () => {
    for (const text of ['', 'x', 'c,3', 'c,3,2', 'r', 'r,NOT_A_CODE']) {
      expect(() => parseVerdict(text, false)).toThrow(/unreadable vote verdict/);
    }
  });
});

describe('dayExpiresAt', () => {
  it('is the acceptance second plus the retention plus one day', () => {
    const accepted = Date.parse('2026-11-24T15:59:59.999Z');
    expect(dayExpiresAt(accepted, 8)).toBe(Math.floor(accepted / 1000) + 9 * 86_400);
    expect(dayExpiresAt(accepted, 0)).toBe(Date.parse('2026-11-25T15:59:59Z') / 1000);
  });
});

describe('runScript', () => {
  it('refuses a call with the wrong number of keys', async () => {
    await expect(runScript(redis, 'readBoard', ['only-one'], ['range', 0, 1])).rejects.toThrow(
      /takes 5 keys, got 1/,
    );
    await expect(runScript(redis, 'applyVotes', ['a', 'b'], [])).rejects.toThrow(/takes 7\+ keys, got 2/);
  });
});

/** A small seeded PRNG, so a failing race replays the same votes. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
