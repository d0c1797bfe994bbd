import { campaignModel } from '@rallyboard/core/db';
import { AppError, dayOf } from '@rallyboard/core/protocol';
import { decodeScore, readBoardMeta, readQuotaUse } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { applyInRedisOnly, loseBoardState, queuedVote, snapshotBoard } from '../support/deps.js';
import {
  apply,
  at,
  config,
  deps,
  mongo,
  options,
  TIMEZONE,
  useRebuildDeps,
} from '../support/rebuild-fixture.js';

useRebuildDeps();

describe('rebuild', () => {
  it('drops the marker of a vote Redis applied but the ledger never recorded, so it counts when it runs again', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    await apply([{ boardId, vote: queuedVote('alice') }]);
    // A worker died after its script call, before its ledger write: its job will run again.
    const lost = queuedVote('bob');
    await applyInRedisOnly(deps, boardId, [lost], { timezone: TIMEZONE, origin: 'crashed' });

    const report = await rebuild(deps, boardId, options());
    expect(report).toMatchObject({ ledgerRecords: 1, markersRestored: 1, markersDropped: 1, seq: 2 });
    // The ranking is the ledger's; the seq is never lowered.
    const ranking = await deps.redis.zrange(deps.keys.board(boardId).scores, '0', '-1', 'WITHSCORES');
    expect(ranking.filter((_, i) => i % 2 === 0)).toEqual(['alice', 'bob']);
    expect(await deps.redis.get(deps.keys.board(boardId).total)).toBe('1');

    expect(await apply([{ boardId, vote: lost }])).toEqual([
      { verdict: 'counted', seq: 3, delta: 1, duplicate: false },
    ]);
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });

  it('keeps the marker of a recorded vote decided before the markers it restores, dropping only the unrecorded', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const old = queuedVote('alice');
    await apply([{ boardId, vote: old }]);
    // On the ledger as decided 40 days ago, yet its marker still lives (set again since).
    await deps.ledger.updateOne({ _id: old.voteId }, { $set: { decidedAt: new Date(at(40)) } });
    const lost = queuedVote('bob');
    await applyInRedisOnly(deps, boardId, [lost], { timezone: TIMEZONE, origin: 'crashed' });

    const report = await rebuild(deps, boardId, options({ dedupTtlSeconds: 30 * 86_400 }));
    expect(report).toMatchObject({ ledgerRecords: 1, markersRestored: 0, markersDropped: 1 });
    const k = deps.keys.board(boardId);
    expect(await deps.redis.get(k.vote(old.voteId))).toBe('c,1,1');
    expect(await deps.redis.exists(k.vote(lost.voteId))).toBe(0);
  });

  it('clears a day only an unrecorded vote touched, so that vote counts once in it when it runs again', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    // The ledger has yesterday only.
    await apply([{ boardId, vote: queuedVote('alice', { acceptedAt: at(1) }) }]);
    // Today's first vote: applied in Redis by a worker that died before its ledger write.
    const lost = queuedVote('bob');
    const today = dayOf(lost.acceptedAt, TIMEZONE);
    await applyInRedisOnly(deps, boardId, [lost], { timezone: TIMEZONE, origin: 'crashed' });

    const report = await rebuild(deps, boardId, options());
    expect(report).toMatchObject({ markersDropped: 1 });
    const k = deps.keys.board(boardId).day(today);
    // The ledger has nothing for today: neither must today's ranking.
    expect(await deps.redis.zrange(k.scores, '0', '-1')).toEqual([]);
    expect(Number((await deps.redis.get(k.total)) ?? 0)).toBe(0);

    // The job runs again: the vote counts once, today as all-time.
    await apply([{ boardId, vote: lost }]);
    const bob = await deps.redis.zscore(k.scores, 'bob');
    expect(bob === null ? null : decodeScore(Number(bob)).count).toBe(1);
    expect(await deps.redis.get(k.total)).toBe('1');
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });

  it("restores the voters' quota counters, so nobody gets their spent votes back", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob'], {
      timezone: TIMEZONE,
      quotas: { perDay: 2, total: 3 },
    });
    const cast = (candidateId: string, voterId: string, daysAgo = 0) =>
      apply([{ boardId, vote: queuedVote(candidateId, { voterId, acceptedAt: at(daysAgo) }) }]);
    await cast('alice', 'v1', 2);
    await cast('alice', 'v1');
    await cast('bob', 'v1');
    await cast('bob', 'v2');
    const today = dayOf(Date.now(), TIMEZONE);
    const before = await Promise.all(
      ['v1', 'v2'].map((v) => readQuotaUse(deps.redis, deps.keys, boardId, v, today)),
    );
    expect(before[0]).toEqual({ day: 2, byCandidate: { alice: 1, bob: 1 }, total: 3 });

    await loseBoardState(deps.redis, deps.keys, boardId);
    const report = await rebuild(deps, boardId, options());
    expect(report.quotaCounters).toBe(4);
    const after = await Promise.all(
      ['v1', 'v2'].map((v) => readQuotaUse(deps.redis, deps.keys, boardId, v, today)),
    );
    expect(after).toEqual(before);
    expect((await cast('bob', 'v1'))[0]).toMatchObject({ verdict: 'rejected', reason: 'QUOTA_EXCEEDED' });
    expect((await cast('alice', 'v2'))[0]).toMatchObject({ verdict: 'counted' });
  });

  it("puts its campaign's status back on a board whose meta was lost, so ingest still refuses a paused campaign", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    await campaignModel(mongo).create({
      _id: boardId,
      title: 'paused',
      kind: 'vote',
      members: [{ candidateId: 'alice', name: 'Alice' }],
      schedule: { startAt: new Date(), endAt: new Date(Date.now() + 86_400_000), timezone: TIMEZONE },
      visibility: 'public',
      rules: {},
      status: 'paused',
      createdBy: 'h-1',
    });
    await loseBoardState(deps.redis, deps.keys, boardId);
    await rebuild(deps, boardId, options());
    expect((await readBoardMeta(deps.redis, deps.keys, boardId))?.status).toBe('paused');
  });

  it('refuses a board MongoDB does not have, with BOARD_NOT_FOUND, touching nothing', async () => {
    const boardId = randomId('nowhere');
    const refused = rebuild(deps, boardId, options());
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'BOARD_NOT_FOUND' });
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual({});
  });
});
