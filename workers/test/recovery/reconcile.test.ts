import { connectMongo, recordVotes } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt, encodeScore } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import { loseBoardState, openWorkerDeps, queuedVote } from '../support/deps.js';

const config = testConfig();
const TIMEZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;
let apply: ReturnType<typeof createVoteApplier>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
  apply = createVoteApplier(deps);
});
afterAll(async () => {
  await deps.close();
  await mongo.close();
});

/**
 * A vote board with votes over three days, recorded like the workers record them:
 * - two days ago: alice, bob;
 * - yesterday: bob, carol, carol;
 * - today: dave, alice, mallory (not a member: rejected).
 * All-time: bob 2 (seq 3), carol 2 (seq 5), alice 2 (seq 7), dave 1 (seq 6). 7 counted.
 */
async function votedBoard() {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
    timezone: TIMEZONE,
  });
  const now = Date.now();
  const plan: [string, number][] = [
    ['alice', 2],
    ['bob', 2],
    ['bob', 1],
    ['carol', 1],
    ['carol', 1],
    ['dave', 0],
    ['alice', 0],
    ['mallory', 0],
  ];
  const outcomes = await apply(
    plan.map(([candidateId, daysAgo]) => ({
      boardId,
      vote: queuedVote(candidateId, { acceptedAt: now - daysAgo * DAY_MS }),
    })),
  );
  expect(outcomes.filter((o) => o.verdict === 'counted')).toHaveLength(7);
  const days = [2, 1, 0].map((daysAgo) => dayOf(now - daysAgo * DAY_MS, TIMEZONE));
  return { boardId, days, keys: deps.keys.board(boardId) };
}

const windowOf = (report: Awaited<ReturnType<typeof reconcile>>, window: string) => {
  const found = report.windows.find((w) => w.window === window);
  if (!found) throw new Error(`no window ${window} in the report`);
  return found;
};

describe('reconcile', () => {
  it('reports no drift for a board whose Redis state is what its ledger adds up to', async () => {
    const { boardId, days } = await votedBoard();
    const report = await reconcile(deps, boardId);
    expect(report).toEqual({
      boardId,
      ledgerRecords: 8,
      seq: { redis: 7, ledger: 7 },
      windows: [
        { window: 'all', total: { redis: 7, ledger: 7 }, drift: [] },
        { window: days[0], total: { redis: 2, ledger: 2 }, drift: [] },
        { window: days[1], total: { redis: 3, ledger: 3 }, drift: [] },
        { window: days[2], total: { redis: 2, ledger: 2 }, drift: [] },
      ],
      expiredDays: [],
      ok: true,
    });
  });

  it('reports no drift for a board without votes', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const report = await reconcile(deps, boardId);
    expect(report).toMatchObject({
      ledgerRecords: 0,
      seq: { redis: 0, ledger: 0 },
      expiredDays: [],
      ok: true,
    });
    expect(report.windows).toEqual([{ window: 'all', total: { redis: 0, ledger: 0 }, drift: [] }]);
  });

  it("reports drift when a member's count in Redis is not the ledger's", async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.zadd(keys.scores, String(encodeScore(3, 3)), 'bob');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all').drift).toEqual([
      { candidateId: 'bob', redis: { count: 3, seq: 3 }, ledger: { count: 2, seq: 3 } },
    ]);
    expect(report.windows.slice(1).every((w) => w.drift.length === 0)).toBe(true);
  });

  it('reports drift when only the tie-break differs: equal counts in the wrong order', async () => {
    const { boardId, keys } = await votedBoard();
    // bob reached 2 first (seq 3), carol second (seq 5): swap who got there first.
    await deps.redis.zadd(keys.scores, String(encodeScore(2, 5)), 'bob', String(encodeScore(2, 3)), 'carol');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all')).toEqual({
      window: 'all',
      total: { redis: 7, ledger: 7 },
      drift: expect.arrayContaining([
        { candidateId: 'bob', redis: { count: 2, seq: 5 }, ledger: { count: 2, seq: 3 } },
        { candidateId: 'carol', redis: { count: 2, seq: 3 }, ledger: { count: 2, seq: 5 } },
      ]),
    });
    expect(windowOf(report, 'all').drift).toHaveLength(2);
  });

  it("reports drift when a window's total is not the ledger's, though every member matches", async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.incrby(keys.total, 1);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all')).toEqual({ window: 'all', total: { redis: 8, ledger: 7 }, drift: [] });
  });

  it('reports drift in the day it is in, and only there', async () => {
    const { boardId, keys, days } = await votedBoard();
    const yesterday = days[1] as string;
    await deps.redis.zadd(keys.day(yesterday).scores, String(encodeScore(1, 5)), 'carol');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, yesterday).drift).toEqual([
      { candidateId: 'carol', redis: { count: 1, seq: 5 }, ledger: { count: 2, seq: 5 } },
    ]);
    expect(report.windows.filter((w) => w.drift.length > 0).map((w) => w.window)).toEqual([yesterday]);
  });

  it('reports a member with votes that Redis does not rank as absent', async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.zrem(keys.scores, 'dave');
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(windowOf(report, 'all').drift).toEqual([
      { candidateId: 'dave', redis: null, ledger: { count: 1, seq: 6 } },
    ]);
  });

  it('reports drift when Redis has lost the whole board', async () => {
    const { boardId, days } = await votedBoard();
    await loseBoardState(deps.redis, deps.keys, boardId);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(false);
    expect(report.seq).toEqual({ redis: 0, ledger: 7 });
    expect(windowOf(report, 'all').total).toEqual({ redis: 0, ledger: 7 });
    // Days still within retention are compared even though Redis has no keys for them.
    expect(report.expiredDays).toEqual([]);
    expect(days.map((day) => windowOf(report, day).total.redis)).toEqual([0, 0, 0]);
    expect(days.map((day) => windowOf(report, day).drift.length > 0)).toEqual([true, true, true]);
  });

  it('reports drift when the board seq is behind the ledger', async () => {
    const { boardId, keys } = await votedBoard();
    await deps.redis.set(keys.seq, 6);
    const report = await reconcile(deps, boardId);
    expect(report.seq).toEqual({ redis: 6, ledger: 7 });
    expect(report.ok).toBe(false);
  });

  it('reports a change applied but not yet recorded as member drift, the Redis seq ahead of the ledger', async () => {
    const { boardId } = await votedBoard();
    // Applied in Redis by a worker that has not written the ledger yet.
    await applyVotes(
      deps.redis,
      deps.keys,
      boardId,
      [
        {
          voteId: randomId('v-inflight'),
          candidateId: 'dave',
          action: 'vote',
          day: dayOf(Date.now(), TIMEZONE),
          dayExpiresAt: dayExpiresAt(Date.now(), 8),
        },
      ],
      { dedupTtlSeconds: 3_600, origin: 'test' },
    );
    const report = await reconcile(deps, boardId);
    expect(report.seq).toEqual({ redis: 8, ledger: 7 });
    expect(windowOf(report, 'all').drift).toEqual([
      { candidateId: 'dave', redis: { count: 2, seq: 8 }, ledger: { count: 1, seq: 6 } },
    ]);
    expect(report.ok).toBe(false);
  });

  it('does not compare a day past retention whose keys have expired, and lists it', async () => {
    const { boardId, days } = await votedBoard();
    // A vote recorded long ago: its day's keys expired with retention; all-time still has it.
    const longAgo = '2020-01-01';
    await recordVotes(deps.ledger, [
      {
        _id: randomId('v-old'),
        boardId,
        candidateId: 'alice',
        action: 'vote',
        verdict: 'rejected',
        reason: 'UNKNOWN_MEMBER',
        day: longAgo,
        acceptedAt: new Date('2020-01-01T04:00:00Z'),
        decidedAt: new Date('2020-01-01T04:00:01Z'),
      },
    ]);
    const counted = await recordVotes(deps.ledger, [
      {
        _id: randomId('v-old'),
        boardId,
        candidateId: 'bob',
        action: 'vote',
        verdict: 'counted',
        delta: 1,
        seq: 1,
        day: longAgo,
        acceptedAt: new Date('2020-01-01T04:00:00Z'),
        decidedAt: new Date('2020-01-01T04:00:01Z'),
      },
    ]);
    expect(counted).toBe(1);
    const report = await reconcile(deps, boardId);
    expect(report.expiredDays).toEqual([longAgo]);
    expect(report.windows.map((w) => w.window)).toEqual(['all', ...days]);
  });

  it('reports drift for a day Redis ranks but the ledger has no record of', async () => {
    const { boardId } = await votedBoard();
    // A retained day the ledger has no record of, as a rebuild leaves one behind when the only
    // vote of that day was applied but never recorded (see rebuild.test.ts).
    const stray = dayOf(Date.now() - 3 * DAY_MS, TIMEZONE);
    const k = deps.keys.board(boardId).day(stray);
    await deps.redis.zadd(k.scores, String(encodeScore(1, 7)), 'dave');
    await deps.redis.set(k.total, 1);
    const report = await reconcile(deps, boardId);
    expect(report.windows.map((w) => w.window)).toContain(stray);
    expect(report.ok).toBe(false);
  });

  it('reconciles a like board, likes net of unlikes', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['x', 'y'], { kind: 'like' });
    const like = (candidateId: string, voterId: string, action: 'like' | 'unlike' = 'like') => ({
      boardId,
      vote: queuedVote(candidateId, { action, voterId }),
    });
    await apply([
      like('x', 'u1'),
      like('x', 'u2'),
      like('x', 'u1'),
      like('y', 'u1'),
      like('x', 'u2', 'unlike'),
    ]);
    const report = await reconcile(deps, boardId);
    expect(report.ok).toBe(true);
    expect(report.seq).toEqual({ redis: 4, ledger: 4 });
    expect(windowOf(report, 'all').total).toEqual({ redis: 2, ledger: 2 });
  });
});
