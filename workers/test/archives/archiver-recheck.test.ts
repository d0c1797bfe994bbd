import { campaignModel, findArchive, readArchive } from '@rallyboard/core/db';
import { dayOf, startOfNextDay } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { seedBoard } from '../../../test/support/stack.js';
import { ARCHIVE_GRACE_MS, archivePass } from '../../src/archives/archiver.js';
import { queuedVote } from '../support/deps.js';
import { apply, config, deps, mongo, useRebuildDeps } from '../support/rebuild-fixture.js';

/** West of UTC: its days end hours after their UTC dates do. */
const TIMEZONE = 'America/Los_Angeles';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
useRebuildDeps();

/** A live campaign's board in TIMEZONE with one vote for bob at noon of the day five days ago. */
async function westernCampaign() {
  const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob', 'carol'], {
    timezone: TIMEZONE,
  });
  const now = Date.now();
  await createLiveCampaign(mongo, boardId, {
    title: 'west',
    candidateIds: ['alice', 'bob', 'carol'],
    schedule: { startAt: new Date(now - 30 * DAY_MS), endAt: new Date(now + DAY_MS), timezone: TIMEZONE },
    createdBy: 'h000000000001',
  });
  const day = dayOf(now - 5 * DAY_MS, TIMEZONE);
  const end = startOfNextDay(now - 5 * DAY_MS, TIMEZONE);
  const noon = end - 12 * HOUR_MS;
  const vote = (candidateId: string, voterId: string) => ({
    boardId,
    vote: queuedVote(candidateId, { voterId, acceptedAt: noon }),
  });
  expect((await apply([vote('bob', 'p-1')]))[0]?.verdict).toBe('counted');
  return { boardId, day, end, vote };
}

async function archivedDay(boardId: string, day: string) {
  const archive = await findArchive(deps.archives, boardId, 'day', day);
  if (!archive) throw new Error(`no archive of ${day}`);
  const { entries } = await readArchive(deps.archives, archive, { mode: 'range', offset: 0, limit: 10 });
  return entries.map((e) => `${e.candidateId}:${e.score}`);
}

describe('the archiver, on a board west of UTC', () => {
  it('checks the archive of a day that ended less than three days ago, in its timezone, on every pass', async () => {
    const { boardId, day, end, vote } = await westernCampaign();
    const stores = { ...deps, campaigns: campaignModel(mongo) };
    await archivePass(stores, new Date(end + ARCHIVE_GRACE_MS));
    expect(await archivedDay(boardId, day)).toEqual(['bob:1']);

    // Votes of that day, accepted before its end, counted only now (their queue had fallen behind).
    await apply([vote('carol', 'p-2'), vote('carol', 'p-3')]);
    // A pass an hour before the day has been over three days: its UTC date of three days ago is
    // already the day after it.
    const pass = end + 3 * DAY_MS - HOUR_MS;
    expect(new Date(pass - 3 * DAY_MS).toISOString().slice(0, 10) > day).toBe(true);
    expect(await archivePass(stores, new Date(pass))).toBeGreaterThan(0);
    expect(await archivedDay(boardId, day)).toEqual(['carol:2', 'bob:1']);
  });
});
