import { dayOf, groupIdOf, periodEnd, periodStart } from '@rallyboard/core/protocol';
import { decodeScore, encodeScore, setMemberGroups, withLock } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { eventually, seedBoard } from '../../../test/support/stack.js';
import { ARCHIVE_GRACE_MS } from '../../src/archives/archiver.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import type { BatchItem } from '../../src/votes/apply-votes.js';
import { boardKeys, loseBoardState, queuedVote, snapshotBoard } from '../support/deps.js';
import {
  apply,
  at,
  config,
  deps,
  mongo,
  options,
  TIMEZONE,
  useRebuildDeps,
  votedBoard,
} from '../support/rebuild-fixture.js';

useRebuildDeps();

/**
 * A like board: likes and unlikes over two days by three voters, including a repeated like
 * (unchanged), an unlike without a like (unchanged), and a like taken back the next day, so
 * that day's score for it is negative.
 */
async function likedBoard(): Promise<{ boardId: string; items: BatchItem[] }> {
  const boardId = await seedBoard(config, deps.redis, mongo, ['x', 'y', 'z'], {
    kind: 'like',
    timezone: TIMEZONE,
  });
  const plan: [string, 'like' | 'unlike', string, number][] = [
    ['x', 'like', 'u1', 1],
    ['y', 'like', 'u1', 1],
    ['x', 'like', 'u2', 1],
    ['x', 'like', 'u1', 1],
    ['z', 'unlike', 'u3', 1],
    ['x', 'unlike', 'u1', 0],
    ['y', 'like', 'u3', 0],
    ['z', 'like', 'u2', 0],
    ['z', 'unlike', 'u2', 0],
  ];
  const items = plan.map(([candidateId, action, voterId, daysAgo]) => ({
    boardId,
    vote: queuedVote(candidateId, { action, voterId, acceptedAt: at(daysAgo) }),
  }));
  const outcomes = await apply(items);
  expect(outcomes.map((o) => o.verdict)).toEqual([
    'counted',
    'counted',
    'counted',
    'unchanged',
    'unchanged',
    'counted',
    'counted',
    'counted',
    'counted',
  ]);
  return { boardId, items };
}

describe('rebuild', () => {
  it('restores a vote board whose Redis keys are all gone exactly: rankings with their ties, every day, week and month, totals, seq and markers', async () => {
    const { boardId, items } = await votedBoard();
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    const days = [2, 1, 0].map((d) => dayOf(at(d), TIMEZONE));
    const k = deps.keys.board(boardId);
    const weeks = [...new Set(days.map((day) => periodStart(day, 'week')))];
    const months = [...new Set(days.map((day) => periodStart(day, 'month')))];
    // The ended ones are archived by the rebuild (none had an archive yet).
    const archivedBy = dayOf(Date.now() - ARCHIVE_GRACE_MS, TIMEZONE);
    const ended = [
      ...days.map((d) => periodEnd(d, 'day')),
      ...weeks.map((w) => periodEnd(w, 'week')),
      ...months.map((m) => periodEnd(m, 'month')),
    ].filter((end) => end < archivedBy);
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        ...days.map((day) => k.day(day).scores),
        ...weeks.map((week) => k.period('week', week).scores),
        ...months.map((month) => k.period('month', month).scores),
      ]),
    );
    // Every key goes: the rankings' (snapshotted) and risk control's tallies besides.
    const keysOfBoard = await boardKeys(deps.redis, deps.keys, boardId);
    expect(keysOfBoard).toEqual(expect.arrayContaining(Object.keys(before)));
    expect(await loseBoardState(deps.redis, deps.keys, boardId)).toBe(keysOfBoard.length);

    const steps: string[] = [];
    const report = await rebuild(deps, boardId, options({ onStep: (step) => steps.push(step) }));
    expect(report).toEqual({
      boardId,
      ledgerRecords: 7,
      seq: 6,
      members: 5,
      days: 3,
      periods: 3 + weeks.length + months.length,
      archives: ended.length,
      markersRestored: 7,
      markersDropped: 0,
      likeSets: expect.any(Number),
      quotaCounters: 0,
      settledInMs: expect.any(Number),
      replayed: { jobs: 0, votes: 0 },
      // A campaign without reward rules or pools: nothing of its rewards to put back.
      rewards: { rules: 0, pools: 0, claims: 0, restocked: 0, removed: 0 },
    });
    expect(steps).toEqual([
      'fence',
      'replay dead letters',
      'settle',
      'review',
      'read ledger',
      'markers',
      'likes',
      'quotas',
      'install',
      'rewards',
      'archives',
    ]);
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
    expect((await reconcile(deps, boardId)).ok).toBe(true);

    // A vote applied before the loss is a duplicate again, with its first verdict.
    const again = await apply([items[1] as BatchItem, items[4] as BatchItem]);
    expect(again).toEqual([
      { verdict: 'counted', seq: 2, delta: 1, duplicate: true },
      { verdict: 'rejected', reason: 'UNKNOWN_MEMBER', duplicate: true },
    ]);
    // And the next new vote takes up from the seq the board had.
    expect(await apply([{ boardId, vote: queuedVote('erin') }])).toEqual([
      { verdict: 'counted', seq: 7, delta: 1, duplicate: false },
    ]);
  });

  it('restores the group boards exactly: each group ranking and the ranking of the groups, in every window', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol', 'dave'], {
      timezone: TIMEZONE,
      groups: { alice: '一班', bob: '一班', carol: '二班' },
    });
    const plan: [string, number][] = [
      ['carol', 6],
      ['alice', 2],
      ['bob', 2],
      ['dave', 1],
      ['carol', 1],
      ['alice', 0],
      ['carol', 0],
    ];
    await apply(
      plan.map(([id, daysAgo]) => ({ boardId, vote: queuedVote(id, { acceptedAt: at(daysAgo) }) })),
    );
    const k = deps.keys.board(boardId);
    expect(await deps.redis.zcard(k.groups.scores)).toBe(2);
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    await loseBoardState(deps.redis, deps.keys, boardId);
    await rebuild(deps, boardId, options());
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);

    // Group keys the ledger never made (a group that is gone, a count it never recorded) go too.
    const today = dayOf(Date.now(), TIMEZONE);
    const gone = k.group('0123456789abcdef').period('day', today);
    await deps.redis.zadd(gone.scores, '-268435456', 'alice');
    await deps.redis.set(gone.total, '1');
    await deps.redis.zadd(
      k.groups.period('month', periodStart(today, 'month')).scores,
      '-536870912',
      'feedfacefeedface',
    );
    await rebuild(deps, boardId, options());
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
  });

  it("keeps the group boards in step with a host's group move made while it rebuilds", async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol'], {
      timezone: TIMEZONE,
      groups: { alice: '一班', bob: '一班', carol: '二班' },
    });
    const plan: [string, number][] = [
      ['bob', 1],
      ['bob', 0],
      ['alice', 0],
      ['carol', 0],
    ];
    await apply(
      plan.map(([id, daysAgo]) => ({ boardId, vote: queuedVote(id, { acceptedAt: at(daysAgo) }) })),
    );
    // A review chunk holds the rebuild at its review step, after the fence: the host moves bob
    // to 二班 then, as a campaign edit does (the board's record, then Redis, under the campaign's lock).
    await deps.redis.set(deps.keys.reviewLock(boardId), 'a-chunk', 'PX', 30_000);
    const steps: string[] = [];
    const rebuilt = rebuild(deps, boardId, options({ onStep: (s) => steps.push(s) }));
    await eventually(async () => steps.includes('review'), 10_000, 'the rebuild at its review step');
    await withLock(deps.redis, deps.keys.campaignLock(boardId), async () => {
      await deps.boards.updateOne({ _id: boardId }, { $set: { 'members.1.group': '二班' } });
      await setMemberGroups(deps.redis, deps.keys, boardId, new Map([['bob', groupIdOf('二班')]]));
    });
    await deps.redis.del(deps.keys.reviewLock(boardId));
    await rebuilt;

    const report = await reconcile(deps, boardId);
    expect(report.windows.filter((w) => w.drift.length > 0)).toEqual([]);
    expect(report.ok).toBe(true);
    const groups = await deps.redis.zrange(deps.keys.board(boardId).groups.scores, '0', '-1', 'WITHSCORES');
    const counts = Object.fromEntries(
      groups.flatMap((v, i, all) => (i % 2 === 0 ? [[v, decodeScore(Number(all[i + 1])).count]] : [])),
    );
    expect(counts).toEqual({ [groupIdOf('一班')]: 1, [groupIdOf('二班')]: 3 });
  });

  it('restores a like board exactly: rankings, days with negative scores, like sets and markers', async () => {
    const { boardId, items } = await likedBoard();
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    const k = deps.keys.board(boardId);
    expect(before[k.likes('x')]).toEqual(['u2']);
    const today = (
      await deps.redis.zrange(k.day(dayOf(at(0), TIMEZONE)).scores, '0', '-1', 'WITHSCORES')
    ).flatMap((value, i, flat) => (i % 2 === 0 ? [[value, decodeScore(Number(flat[i + 1])).count]] : []));
    expect(today).toEqual([
      ['y', 1],
      ['z', 0],
      ['x', -1],
    ]);
    await loseBoardState(deps.redis, deps.keys, boardId);

    const report = await rebuild(deps, boardId, options());
    expect(report).toMatchObject({ ledgerRecords: 9, seq: 7, members: 3, days: 2, markersRestored: 9 });
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);

    // The like sets decide again as before: u2's like of x stands, u1's does not.
    const outcomes = await apply([
      { boardId, vote: queuedVote('x', { action: 'like', voterId: 'u2' }) },
      { boardId, vote: queuedVote('x', { action: 'like', voterId: 'u1' }) },
      items[3] as BatchItem,
    ]);
    expect(outcomes).toEqual([
      { verdict: 'unchanged', duplicate: false },
      { verdict: 'counted', seq: 8, delta: 1, duplicate: false },
      { verdict: 'unchanged', duplicate: true },
    ]);
  });

  it('restores a vote board whose votes carry voter ids without like sets it never had', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    await apply(
      ['alice', 'bob', 'alice'].map((candidateId, i) => ({
        boardId,
        vote: queuedVote(candidateId, { voterId: `u${i}` }),
      })),
    );
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    await loseBoardState(deps.redis, deps.keys, boardId);
    await rebuild(deps, boardId, options());
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
  });

  it('restores a board that lost only part of its state', async () => {
    const { boardId } = await votedBoard();
    const before = await snapshotBoard(deps.redis, deps.keys, boardId);
    const k = deps.keys.board(boardId);
    await deps.redis.del(k.scores, k.day(dayOf(at(1), TIMEZONE)).scores, k.meta);
    await deps.redis.zadd(k.scores, '0', 'bob');
    await rebuild(deps, boardId, options());
    expect(await snapshotBoard(deps.redis, deps.keys, boardId)).toEqual(before);
  });
  it('gives a board recorded before group boards its groups, from its campaign', async () => {
    // The board record has no groups (as before group boards); its campaign has them.
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob'], { timezone: TIMEZONE });
    await createLiveCampaign(mongo, boardId, {
      members: [
        { candidateId: 'alice', name: 'Alice', group: '红队' },
        { candidateId: 'bob', name: 'Bob' },
      ],
    });
    await apply([{ boardId, vote: queuedVote('alice') }]);
    expect(await deps.redis.exists(deps.keys.board(boardId).groups.scores)).toBe(0);
    await rebuild(deps, boardId, options());
    const k = deps.keys.board(boardId);
    expect(await deps.redis.zrange(k.groups.scores, '0', '-1', 'WITHSCORES')).toEqual([
      groupIdOf('红队'),
      String(encodeScore(1, 1)),
    ]);
    const record = await deps.boards.findById(boardId).lean();
    expect(record?.members.map((m) => m.group)).toEqual(['红队', undefined]);
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });
});
