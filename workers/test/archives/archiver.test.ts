import { archiveIdOf, archiveVersions, campaignModel, findArchive, readArchive } from '@rallyboard/core/db';
import { dayOf, PERIOD_WINDOWS, periodEnd, periodStart } from '@rallyboard/core/protocol';
import type { ReviewJob } from '@rallyboard/core/queue';
import { readBoard } from '@rallyboard/core/redis';
import { describe, expect, it, vi } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { seedBoard } from '../../../test/support/stack.js';
import { ARCHIVE_GRACE_MS, archivePass } from '../../src/archives/archiver.js';
import { rebuild } from '../../src/recovery/rebuild.js';
import { reconcile } from '../../src/recovery/reconcile.js';
import { createReviewActions } from '../../src/review/review-actions.js';
import { queuedVote } from '../support/deps.js';
import { apply, config, deps, mongo, options, useRebuildDeps } from '../support/rebuild-fixture.js';

const TIMEZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;
useRebuildDeps();

/**
 * A live campaign's board with votes five days ago (alice, bob, bob), four days ago (carol) and
 * now (alice), within retention (Redis still has those days), counted by the workers' apply path; `periods` are the ended ones that have votes.
 */
async function votedCampaign() {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol'], {
    timezone: TIMEZONE,
  });
  const now = Date.now();
  await createLiveCampaign(mongo, boardId, {
    title: 'archived',
    candidateIds: ['alice', 'bob', 'carol'],
    schedule: { startAt: new Date(now - 30 * DAY_MS), endAt: new Date(now + DAY_MS), timezone: TIMEZONE },
    createdBy: 'h000000000001',
  });
  const at = (daysAgo: number, i: number) => now - daysAgo * DAY_MS + i * 1_000;
  const plan: [string, number][] = [
    ['alice', 5],
    ['bob', 5],
    ['bob', 5],
    ['carol', 4],
    ['alice', 0],
  ];
  const outcomes = await apply(
    plan.map(([candidateId, daysAgo], i) => ({
      boardId,
      vote: queuedVote(candidateId, { voterId: `p-${i}`, acceptedAt: at(daysAgo, i) }),
    })),
  );
  expect(outcomes.every((o) => o.verdict === 'counted')).toBe(true);
  const today = dayOf(now - ARCHIVE_GRACE_MS, TIMEZONE);
  const days = [5, 4, 0].map((daysAgo) => dayOf(now - daysAgo * DAY_MS, TIMEZONE));
  const periods = new Set(
    days.flatMap((day) =>
      PERIOD_WINDOWS.map((w) => ({ window: w, start: periodStart(day, w) }))
        .filter(({ window, start }) => periodEnd(start, window) < today)
        .map(({ window, start }) => `${window}:${start}`),
    ),
  );
  return { boardId, days, periods, firstVoteAt: at(5, 0), now };
}

const archiveIds = async (boardId: string) =>
  (await deps.archives.archives.find({ boardId }, { window: 1, start: 1 }).lean())
    .map((a) => `${a.window}:${a.start}`)
    .sort();

async function archivedDay(boardId: string, day: string) {
  const archive = await findArchive(deps.archives, boardId, 'day', day);
  if (!archive) throw new Error(`no archive of ${day}`);
  return {
    archive,
    ranking: (await readArchive(deps.archives, archive, { mode: 'range', offset: 0, limit: 10 })).entries,
  };
}

describe('the archiver', () => {
  it('archives each ended day, week and month from the ledger, once, with the ranking Redis had', async () => {
    const { boardId, days, periods } = await votedCampaign();
    const day = days[0] as string;
    const live = await readBoard(
      deps.redis,
      deps.keys,
      boardId,
      { window: 'day', day },
      { mode: 'range', offset: 0, limit: 10 },
    );
    const stores = { ...deps, campaigns: campaignModel(mongo) };

    await archivePass(stores);
    expect(await archiveIds(boardId)).toEqual([...periods].sort());
    const { archive, ranking } = await archivedDay(boardId, day);
    expect(ranking).toEqual(live.entries);
    expect(archive).toMatchObject({ total: 3, members: 3 });
    // Again, by another worker: nothing new.
    expect(await archivePass(stores)).toBe(0);
    expect(await archiveIds(boardId)).toEqual([...periods].sort());
    const report = await reconcile(deps, boardId);
    expect(report.archives.map((a) => a.archive).sort()).toEqual([...periods].sort());
    expect(report.ok).toBe(true);
  });

  it('archives the periods that end after the campaign was archived, which its host may do the evening it ends', async () => {
    const { boardId, days } = await votedCampaign();
    const today = days[2] as string;
    // Ended and archived today: today's ranking, its week and its month are not over yet.
    await campaignModel(mongo).updateOne(
      { _id: boardId },
      { $set: { status: 'archived', 'schedule.endAt': new Date(Date.now() - 60_000) } },
    );
    const stores = { ...deps, campaigns: campaignModel(mongo) };
    const later = new Date(Date.now() + 35 * DAY_MS);
    await archivePass(stores, later);
    const archived = await archiveIds(boardId);
    for (const window of PERIOD_WINDOWS)
      expect(archived).toContain(`${window}:${periodStart(today, window)}`);
    const { archive } = await archivedDay(boardId, today);
    expect(archive).toMatchObject({ total: 1 });
  });

  it("reads no ledger on a pass the same day as a complete one, by a new workers process too, and reads it again once the board's day changes", async () => {
    const { boardId, periods } = await votedCampaign();
    const stores = { ...deps, campaigns: campaignModel(mongo) };
    const before = await deps.boards.findById(boardId, { updatedAt: 1 }).lean();
    await archivePass(stores);
    expect(await archiveIds(boardId)).toEqual([...periods].sort());
    const board = await deps.boards.findById(boardId, { archivedThrough: 1 }).lean();
    // Recording it is no change of the board's.
    expect((await deps.boards.findById(boardId, { updatedAt: 1 }).lean())?.updatedAt).toEqual(
      before?.updatedAt,
    );
    expect(board?.archivedThrough).toEqual({
      day: dayOf(Date.now() - ARCHIVE_GRACE_MS, TIMEZONE),
      timezone: TIMEZONE,
      weekStartsOn: 1,
    });

    // A workers process that starts the same day (it knows nothing of the first pass but the board).
    const days = vi.spyOn(deps.ledger, 'distinct');
    // Other tests' campaigns share the database: only this board's reads count.
    const reads = () =>
      days.mock.calls.filter(
        ([, filter]) => (filter as { boardId?: string } | undefined)?.boardId === boardId,
      ).length;
    try {
      expect(await archivePass(stores)).toBe(0);
      expect(reads()).toBe(0);
      // The host moves the week's first day to Sunday: other weeks have ended, so it looks again.
      await deps.boards.updateOne({ _id: boardId }, { $set: { weekStartsOn: 7 } });
      await archivePass(stores);
      expect(reads()).toBe(1);
      expect(await archivePass(stores)).toBe(0);
      expect(reads()).toBe(1);
      // Tomorrow, once today has ended and its grace passed: its periods are archived.
      const tomorrow = new Date(Date.now() + DAY_MS + ARCHIVE_GRACE_MS);
      expect(await archivePass(stores, tomorrow)).toBeGreaterThan(0);
      expect(reads()).toBe(2);
    } finally {
      days.mockRestore();
    }
    const today = dayOf(Date.now(), TIMEZONE);
    expect(await archiveIds(boardId)).toContain(`day:${today}`);
  });

  it('takes in, on its next pass, a vote its queue recorded after a recent period was archived', async () => {
    const { boardId } = await votedCampaign();
    const twoDaysAgo = Date.now() - 2 * DAY_MS;
    const day = dayOf(twoDaysAgo, TIMEZONE);
    const vote = (candidateId: string, voterId: string) => ({
      boardId,
      vote: queuedVote(candidateId, { voterId, acceptedAt: twoDaysAgo }),
    });
    expect((await apply([vote('bob', 'p-2d')]))[0]?.verdict).toBe('counted');
    const stores = { ...deps, campaigns: campaignModel(mongo) };
    await archivePass(stores);
    expect((await archivedDay(boardId, day)).ranking.map((e) => `${e.candidateId}:${e.score}`)).toEqual([
      'bob:1',
    ]);
    // A vote of that day, accepted before its end, counted only now (its queue had fallen behind).
    expect((await apply([vote('carol', 'p-late-1'), vote('carol', 'p-late-2')]))[0]?.verdict).toBe('counted');
    // The same worker's next pass: the board's day has not changed, but recent archives are checked.
    await archivePass(stores);
    const after = await archivedDay(boardId, day);
    expect(after.ranking.map((e) => `${e.candidateId}:${e.score}`)).toEqual(['carol:2', 'bob:1']);
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });

  it('corrects an archive when a vote of its period is voided after it ended, and a rebuild puts back a damaged one', async () => {
    const { boardId, days, firstVoteAt } = await votedCampaign();
    const day = days[0] as string;
    await archivePass({ ...deps, campaigns: campaignModel(mongo) });
    const before = await archivedDay(boardId, day);

    // Void by rule: alice's vote of five days ago, the first of the run.
    const job: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: boardId,
      rule: { from: new Date(firstVoteAt).toISOString(), to: new Date(firstVoteAt + 500).toISOString() },
      by: 'h000000000001',
    };
    expect(await createReviewActions(deps)(job, 'void-1', async () => {})).toMatchObject({ changed: 1 });
    const after = await archivedDay(boardId, day);
    expect(after.ranking).toEqual([
      { rank: 1, candidateId: 'bob', score: 2 },
      { rank: 2, candidateId: 'alice', score: 0 },
    ]);
    expect(after.archive.version).toBeGreaterThan(before.archive.version);
    // The correction is on record: each version with when it was written and its total.
    const history = await archiveVersions(deps.archives, after.archive.archiveId);
    expect(history.map((v) => [v.version, v.total])).toEqual([
      [before.archive.version, 3],
      [after.archive.version, 2],
    ]);
    // The week too, when it has ended (and so has an archive): one correction for the whole job.
    const week = await archiveVersions(deps.archives, archiveIdOf(boardId, 'week', periodStart(day, 'week')));
    if (week.length > 0) expect(week).toHaveLength(2);
    expect((await reconcile(deps, boardId)).ok).toBe(true);

    // Damaged (an entry changed by hand): reconcile finds it, a rebuild writes it again from the ledger.
    await deps.archives.entries.updateOne(
      { archiveId: after.archive.archiveId, candidateId: 'bob' },
      { $set: { score: 9 } },
    );
    const damaged = await reconcile(deps, boardId);
    expect(damaged.ok).toBe(false);
    expect(damaged.archives.find((a) => a.archive === `day:${day}`)?.drift).toEqual([
      {
        candidateId: 'bob',
        archive: { count: 9, seq: expect.any(Number) },
        ledger: { count: 2, seq: expect.any(Number) },
      },
    ]);
    const rebuilt = await rebuild(deps, boardId, options());
    expect(rebuilt.archives).toBeGreaterThan(0);
    expect((await archivedDay(boardId, day)).ranking).toEqual(after.ranking);
    expect((await reconcile(deps, boardId)).ok).toBe(true);
  });
});
