import { randomUUID } from 'node:crypto';
import { connectMongo } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import {
  applyVotes,
  dayExpiresAt,
  decodeScore,
  fenceBoard,
  liftFence,
  registerBoard,
} from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { boardKeys, ledgerOf, loseBoardState, openWorkerDeps, queuedVote } from '../support/deps.js';

const config = testConfig();
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let apply: ReturnType<typeof createVoteApplier>;
/** applyVotes script calls, calling through to Redis. */
let scriptCalls: MockInstance;
/** Ledger writes (the driver's insertMany, which recordVotes uses), calling through to MongoDB. */
let ledgerWrites: MockInstance;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  apply = createVoteApplier(deps);
  scriptCalls = vi.spyOn(
    deps.redis as unknown as { applyVotes: (...args: unknown[]) => unknown },
    'applyVotes',
  );
  ledgerWrites = vi.spyOn(deps.ledger.collection, 'insertMany');
});
afterEach(() => {
  scriptCalls.mockClear();
  ledgerWrites.mockClear();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await deps.close();
  await mongo.close();
});

/** The records handed to the `n`th ledger write. */
const writtenBy = (n: number) =>
  (ledgerWrites.mock.calls[n]?.[0] ?? []) as { _id: string; boardId: string }[];

const item = (boardId: string, ...args: Parameters<typeof queuedVote>): BatchItem => ({
  boardId,
  vote: queuedVote(...args),
});

async function countOf(boardId: string, candidateId: string, day?: string) {
  const k = deps.keys.board(boardId);
  const score = await deps.redis.zscore(day ? k.day(day).scores : k.scores, candidateId);
  return score === null ? null : decodeScore(Number(score));
}

async function registrationOf(boardId: string) {
  const board = await deps.boards.findById(boardId).lean();
  if (!board) throw new Error(`no board ${boardId}`);
  return {
    boardId,
    title: board.title,
    kind: board.kind,
    timezone: board.timezone,
    dailyRetentionDays: board.dailyRetentionDays,
    candidateIds: board.members.map((m) => m.candidateId),
  };
}

describe('createVoteApplier', () => {
  it('applies the votes of several jobs and boards with one script call per board and one ledger write', async () => {
    const votes = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol']);
    const likes = await seedBoard(config, deps.redis, mongo, ['x', 'y'], { kind: 'like' });
    // Three jobs' votes, interleaved as concurrently processed jobs hand them in.
    const items = [
      item(votes, 'alice'),
      item(votes, 'bob'),
      item(likes, 'x', { action: 'like', voterId: 'u1' }),
      item(votes, 'alice'),
      item(likes, 'y', { action: 'like', voterId: 'u2' }),
      item(likes, 'x', { action: 'like', voterId: 'u2' }),
    ];
    const outcomes = await apply(items);

    expect(outcomes).toEqual([
      { verdict: 'counted', seq: 1, delta: 1, duplicate: false },
      { verdict: 'counted', seq: 2, delta: 1, duplicate: false },
      { verdict: 'counted', seq: 1, delta: 1, duplicate: false },
      { verdict: 'counted', seq: 3, delta: 1, duplicate: false },
      { verdict: 'counted', seq: 2, delta: 1, duplicate: false },
      { verdict: 'counted', seq: 3, delta: 1, duplicate: false },
    ]);
    expect(scriptCalls).toHaveBeenCalledTimes(2);
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    expect(writtenBy(0)).toHaveLength(6);
    expect(await countOf(votes, 'alice')).toEqual({ count: 2, seq: 3 });
    expect(await countOf(likes, 'x')).toEqual({ count: 2, seq: 3 });
    expect((await ledgerOf(deps, votes)).map((r) => r._id)).toEqual(
      [0, 1, 3].map((i) => items[i]?.vote.voteId),
    );
  });

  it("splits a board's votes into script calls of at most WORKER_BATCH_MAX, still with one ledger write", async () => {
    const small = createVoteApplier({
      ...deps,
      config: testConfig({ KEY_PREFIX: config.keyPrefix, WORKER_BATCH_MAX: '2' }),
    });
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const outcomes = await small(['alice', 'bob', 'alice', 'bob', 'alice'].map((c) => item(boardId, c)));
    expect(outcomes.map((o) => o.verdict === 'counted' && o.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(scriptCalls).toHaveBeenCalledTimes(3);
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    expect(await ledgerOf(deps, boardId)).toHaveLength(5);
  });

  it('records every vote on the ledger with its verdict, reason, delta, seq and day', async () => {
    const timezone = 'Pacific/Kiritimati';
    const boardId = await seedBoard(config, deps.redis, mongo, ['x', 'y'], { kind: 'like', timezone });
    const acceptedAt = Date.now();
    const items = [
      item(boardId, 'x', { action: 'like', voterId: 'u1', acceptedAt }),
      item(boardId, 'x', { action: 'like', voterId: 'u1', acceptedAt }),
      item(boardId, 'x', { action: 'unlike', voterId: 'u1', acceptedAt }),
      item(boardId, 'x', { action: 'unlike', voterId: 'u1', acceptedAt }),
      item(boardId, 'ghost', { action: 'like', voterId: 'u1', acceptedAt }),
      item(boardId, 'y', { action: 'vote', voterId: 'u1', acceptedAt }),
    ];
    const outcomes = await apply(items);
    expect(outcomes.map((o) => o.verdict)).toEqual([
      'counted',
      'unchanged',
      'counted',
      'unchanged',
      'rejected',
      'rejected',
    ]);

    const day = dayOf(acceptedAt, timezone);
    const base = (i: number) => {
      const { vote } = items[i] as BatchItem;
      return {
        _id: vote.voteId,
        boardId,
        candidateId: vote.candidateId,
        action: vote.action,
        voterId: 'u1',
        day,
        acceptedAt: new Date(acceptedAt),
        decidedAt: expect.any(Date),
      };
    };
    const byId = new Map((await ledgerOf(deps, boardId)).map((r) => [r._id, r]));
    const recorded = items.map((i) => byId.get(i.vote.voteId));
    expect(recorded).toEqual([
      { ...base(0), verdict: 'counted', delta: 1, seq: 1 },
      { ...base(1), verdict: 'unchanged' },
      { ...base(2), verdict: 'counted', delta: -1, seq: 2 },
      { ...base(3), verdict: 'unchanged' },
      { ...base(4), verdict: 'rejected', reason: 'UNKNOWN_MEMBER' },
      { ...base(5), verdict: 'rejected', reason: 'ACTION_NOT_ALLOWED' },
    ]);
    // One decision time for the whole batch.
    expect(new Set(recorded.map((r) => r?.decidedAt.getTime())).size).toBe(1);
    // The day is the board's: that day's ranking holds the change.
    expect(await countOf(boardId, 'x', day)).toEqual({ count: 0, seq: 2 });
  });

  it("records a vote's risk context on the ledger as ingest queued it, and none for a vote without", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    const context = {
      ip: '203.0.113.7',
      deviceId: 'dev-1',
      fingerprint: 'ab'.repeat(32),
      dwellMs: 1_500,
      userAgent: 'Mozilla/5.0 MicroMessenger/8.0.50',
      shareToken: 'share_Token-1',
    };
    const withContext = item(boardId, 'alice', { voterId: 'p1' });
    withContext.vote.context = context;
    const without = item(boardId, 'alice', { voterId: 'p1' });
    await apply([withContext, without]);
    const byId = new Map((await ledgerOf(deps, boardId)).map((r) => [r._id, r]));
    expect(byId.get(withContext.vote.voteId)?.context).toEqual(context);
    expect(byId.get(without.vote.voteId)).not.toHaveProperty('context');
  });

  it("counts a vote for the day of its acceptance in the board's timezone", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice'], { timezone: 'Pacific/Pago_Pago' });
    const yesterday = Date.now() - 86_400_000;
    const [outcome] = await apply([item(boardId, 'alice', { acceptedAt: yesterday })]);
    expect(outcome).toMatchObject({ verdict: 'counted', seq: 1 });
    const day = dayOf(yesterday, 'Pacific/Pago_Pago');
    expect(await countOf(boardId, 'alice', day)).toEqual({ count: 1, seq: 1 });
    expect((await ledgerOf(deps, boardId))[0]?.day).toBe(day);
  });

  it('rejects the votes of a board MongoDB does not know, as BOARD_NOT_FOUND on the ledger', async () => {
    const boardId = randomId('nowhere');
    const acceptedAt = Date.now();
    const items = [item(boardId, 'alice', { acceptedAt }), item(boardId, 'bob', { acceptedAt })];
    expect(await apply(items)).toEqual([
      { verdict: 'rejected', reason: 'BOARD_NOT_FOUND', duplicate: false },
      { verdict: 'rejected', reason: 'BOARD_NOT_FOUND', duplicate: false },
    ]);
    const ledger = await ledgerOf(deps, boardId);
    expect(ledger.map((r) => [r._id, r.verdict, r.reason, r.day, r.seq, r.delta])).toEqual(
      items
        .map((i) => [
          i.vote.voteId,
          'rejected',
          'BOARD_NOT_FOUND',
          dayOf(acceptedAt, 'UTC'),
          undefined,
          undefined,
        ])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(await boardKeys(deps.redis, deps.keys, boardId)).toEqual([]);
  });

  it('answers retry (board-missing) for a board MongoDB has but Redis lost, records nothing, and counts the votes once it is restored', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    await loseBoardState(deps.redis, deps.keys, boardId);
    const items = [item(boardId, 'alice'), item(boardId, 'bob')];
    expect(await apply(items)).toEqual([
      { verdict: 'retry', why: 'board-missing' },
      { verdict: 'retry', why: 'board-missing' },
    ]);
    expect(ledgerWrites).not.toHaveBeenCalled();
    expect(await boardKeys(deps.redis, deps.keys, boardId)).toEqual([]);

    await registerBoard(deps.redis, deps.keys, await registrationOf(boardId));
    expect((await apply(items)).map((o) => o.verdict)).toEqual(['counted', 'counted']);
    expect((await ledgerOf(deps, boardId)).map((r) => r.verdict)).toEqual(['counted', 'counted']);
  });

  it('answers retry (board-missing) when Redis loses a board after the applier last read it', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    expect((await apply([item(boardId, 'alice')]))[0]?.verdict).toBe('counted');
    await loseBoardState(deps.redis, deps.keys, boardId);
    ledgerWrites.mockClear();
    expect(await apply([item(boardId, 'alice')])).toEqual([{ verdict: 'retry', why: 'board-missing' }]);
    expect(ledgerWrites).not.toHaveBeenCalled();
  });

  it('answers retry (fenced) for a board a rebuild holds, changing nothing, and applies once the fence lifts', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    await apply([item(boardId, 'alice')]);
    const token = randomUUID();
    await fenceBoard(deps.redis, deps.keys, await registrationOf(boardId), { token, ttlMs: 60_000 });
    const held = [item(boardId, 'alice'), item(boardId, 'alice')];
    expect(await apply(held)).toEqual([
      { verdict: 'retry', why: 'fenced' },
      { verdict: 'retry', why: 'fenced' },
    ]);
    expect(await countOf(boardId, 'alice')).toEqual({ count: 1, seq: 1 });
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    // Not even a marker: the same votes apply later.
    expect(await deps.redis.exists(deps.keys.board(boardId).vote(held[0]?.vote.voteId ?? ''))).toBe(0);

    await liftFence(deps.redis, deps.keys, boardId, token);
    expect((await apply(held)).map((o) => o.verdict === 'counted' && o.seq)).toEqual([2, 3]);
  });

  it('decides the other boards of a batch when one of them is fenced', async () => {
    const fenced = await seedBoard(config, deps.redis, mongo, ['alice']);
    const open = await seedBoard(config, deps.redis, mongo, ['alice']);
    await fenceBoard(deps.redis, deps.keys, await registrationOf(fenced), {
      token: randomUUID(),
      ttlMs: 60_000,
    });
    const outcomes = await apply([item(fenced, 'alice'), item(open, 'alice'), item(fenced, 'alice')]);
    expect(outcomes.map((o) => o.verdict)).toEqual(['retry', 'counted', 'retry']);
    // Only the open board's vote is written.
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    expect(writtenBy(0).map((r) => r.boardId)).toEqual([open]);
  });

  it('answers the first verdicts again, as duplicates, for votes applied before, counting nothing twice', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const items = [item(boardId, 'alice'), item(boardId, 'bob'), item(boardId, 'mallory')];
    const first = await apply(items);
    const ledger = await ledgerOf(deps, boardId);
    const seq = await deps.redis.get(deps.keys.board(boardId).seq);

    const again = await apply(items);
    expect(again).toEqual(first.map((o) => ({ ...o, duplicate: true })));
    expect(await deps.redis.get(deps.keys.board(boardId).seq)).toBe(seq);
    expect(await countOf(boardId, 'alice')).toEqual({ count: 1, seq: 1 });
    expect(await ledgerOf(deps, boardId)).toEqual(ledger);
  });

  it('records the votes Redis applied before a crash kept them off the ledger, with their first verdicts', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    const items = [item(boardId, 'alice'), item(boardId, 'alice')];
    // A worker that died between its script call and its ledger write.
    const day = dayOf(Date.now(), 'Asia/Shanghai');
    await applyVotes(
      deps.redis,
      deps.keys,
      boardId,
      items.map(({ vote }) => ({ ...vote, day, dayExpiresAt: dayExpiresAt(vote.acceptedAt, 8) })),
      { dedupTtlSeconds: 3_600, origin: 'crashed' },
    );
    const outcomes = await apply(items);
    expect(outcomes).toEqual([
      { verdict: 'counted', seq: 1, delta: 1, duplicate: true },
      { verdict: 'counted', seq: 2, delta: 1, duplicate: true },
    ]);
    expect((await ledgerOf(deps, boardId)).map((r) => [r.verdict, r.seq, r.delta])).toEqual([
      ['counted', 1, 1],
      ['counted', 2, 1],
    ]);
    expect(await countOf(boardId, 'alice')).toEqual({ count: 2, seq: 2 });
  });
});
