import { dayOf } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import {
  apply,
  config,
  countOf,
  deps,
  item,
  ledgerWrites,
  mongo,
  scriptCalls,
  useVoteApplier,
  writtenBy,
} from '../support/apply-votes-fixture.js';
import { ledgerOf } from '../support/deps.js';

useVoteApplier();

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

  it("enforces a day's quotas on votes applied days after they were accepted (a replayed dead letter)", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice'], {
      quotas: { perCandidatePerDay: 1 },
    });
    const acceptedAt = Date.now() - 3 * 86_400_000;
    const late = [0, 1, 2].map(() => item(boardId, 'alice', { voterId: 'p-late', acceptedAt }));
    // Their day's counters must outlive the call: an expiry in the past deleted them at each vote.
    expect(await apply(late)).toEqual([
      { verdict: 'counted', seq: 1, delta: 1, duplicate: false },
      { verdict: 'rejected', reason: 'QUOTA_EXCEEDED', duplicate: false },
      { verdict: 'rejected', reason: 'QUOTA_EXCEEDED', duplicate: false },
    ]);
    const counters = deps.keys.board(boardId).quotaDay(dayOf(acceptedAt, 'Asia/Shanghai'), 'p-late');
    expect(await deps.redis.ttl(counters)).toBeGreaterThan(2 * 86_400 - 60);
  });
});
