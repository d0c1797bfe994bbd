import { ledgerModel } from '@rallyboard/core/db';
import type { ReviewJob } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createReviewActions } from '../../src/review/review-actions.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import {
  allHeld,
  apply,
  byIdAlone,
  countOf,
  deps,
  judged,
  ledgerCommands,
  liveCampaign,
  mongo,
  recordOf,
  stoppedFor,
  timeUntil,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

/** Other boards' votes in the same ledger: a query over the ledger would go through them (FerretDB scans). */
const OTHER_VOTES = 30_000;

async function fillLedger(n: number): Promise<void> {
  const at = new Date();
  for (let start = 0; start < n; start += 5_000) {
    const docs = Array.from({ length: Math.min(5_000, n - start) }, (_, i) => ({
      _id: `v-other-${start + i}.${at.getTime()}`,
      boardId: `other-${(start + i) % 50}`,
      candidateId: 'alice',
      action: 'vote',
      voterId: `p-other-${start + i}`,
      verdict: 'counted',
      delta: 1,
      seq: start + i + 1,
      day: '2026-03-01',
      acceptedAt: at,
      decidedAt: at,
      context: { ip: '10.9.8.7', deviceId: 'dev-other', dwellMs: 5_000 },
    }));
    await ledgerModel(mongo).collection.insertMany(docs as never[], { ordered: false });
  }
}

describe('a cluster hold', () => {
  it('takes back a member counted once its cluster was known as it is recorded, not at the cluster’s next stopped vote', async () => {
    const boardId = await liveCampaign();
    const now = Date.now();
    // A vote stopped for the device's cluster: the cluster is known for its hold's window.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'device:dev-known', now)]);
    // Past the holds it queued, a vote from the device that its own rules let count.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const late = judged(boardId, 'alice', 'p-late', now + 3_000, {
      ip: '198.51.100.77',
      deviceId: 'dev-known',
      dwellMs: 4_000,
    });
    expect(await apply([late])).toMatchObject([{ verdict: 'counted' }]);
    const took = await timeUntil(
      async () => (await countOf(boardId, 'alice')) === 0,
      30_000,
      'the late member taken back',
    );
    expect(took).toBeLessThan(3_000);
  }, 60_000);

  it('takes nothing back twice: a re-delivered batch records the same members, and the hold run again changes nothing', async () => {
    const boardId = await liveCampaign();
    const now = Date.now();
    const farm = [0, 1, 2, 3].map((i) =>
      judged(boardId, 'alice', `p-twice-${i}`, now + i, {
        ip: '198.51.100.9',
        deviceId: 'dev-twice',
        dwellMs: 3_000,
      }),
    );
    for (const vote of farm) await apply([vote]);
    await timeUntil(
      async () => (await recordOf(farm[0]?.vote.voteId ?? ''))?.review?.state === 'held',
      30_000,
      'held',
    );
    await timeUntil(
      async () => (await recordOf(farm[2]?.vote.voteId ?? ''))?.review?.state === 'held',
      30_000,
      'held',
    );

    // The worker died after the ledger write: the jobs come again, their votes answer as duplicates.
    expect(await apply(farm.slice(0, 3))).toMatchObject([
      { duplicate: true },
      { duplicate: true },
      { duplicate: true },
    ]);
    const members = await deps.redis.zcard(deps.keys.board(boardId).risk.clusterMembers('device:dev-twice'));
    expect(members).toBe(3);
    const job: ReviewJob = {
      kind: 'hold-cluster',
      campaignId: boardId,
      cluster: 'device:dev-twice',
      since: now - 60_000,
      until: Date.now(),
      by: 'risk',
    };
    const run = createReviewActions(deps);
    expect(await run(job, 'again', async () => {})).toEqual({ matched: 3, changed: 0, unchanged: 3 });
    // Done with: off the set, so the next hold reads nothing.
    expect(await run(job, 'once-more', async () => {})).toEqual({ matched: 0, changed: 0, unchanged: 0 });
    expect(await countOf(boardId, 'alice')).toBe(0);
    const retractions = await ledgerModel(mongo).countDocuments({ boardId, action: 'retract' });
    expect(retractions).toBe(3);
  }, 120_000);

  it("takes back a device farm's counted votes within seconds of the vote that reveals it, reading the ledger by vote id only, however big the ledger", async () => {
    await fillLedger(OTHER_VOTES);
    const boardId = await liveCampaign();
    const now = Date.now();
    const farm = [0, 1, 2, 3].map((i) =>
      judged(boardId, 'alice', `p-farm-${i}`, now + i, {
        ip: `198.51.100.${i + 1}`,
        deviceId: 'dev-farm',
        dwellMs: 3_000,
      }),
    );
    const earlier = farm.slice(0, 3);
    // One batch each: the fourth account is the device's fourth when it is measured.
    for (const vote of earlier) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
    expect(await countOf(boardId, 'alice')).toBe(3);

    ledgerCommands.length = 0;
    expect(await apply(farm.slice(3))).toMatchObject([{ verdict: 'held' }]);
    // Taken back from the ranking (watched in Redis, so the watching does not load the ledger).
    const took = await timeUntil(
      async () => (await countOf(boardId, 'alice')) === 0,
      30_000,
      'the farm taken back',
    );
    // Before, the hold waited a second, then went through the whole ledger four times.
    expect(took).toBeLessThan(3_000);
    await eventually(() => allHeld(earlier), 10_000, "the farm's records held");
    // Inserts (the retractions) aside, every command names its votes by id: no query over the ledger.
    expect(ledgerCommands.filter((c) => !byIdAlone(c))).toEqual([]);

    const first = await recordOf(earlier[0]?.vote.voteId ?? '');
    expect(first).toMatchObject({ verdict: 'counted', delta: 1 });
    expect(first?.review).toMatchObject({
      state: 'held',
      by: 'risk',
      cluster: 'device:dev-farm',
      retraction: `${earlier[0]?.vote.voteId}.x`,
      note: 'held with device dev-farm, by its own evidence: sent from a device with one account so far',
    });
    expect((await recordOf(earlier[2]?.vote.voteId ?? ''))?.review?.note).toBe(
      'held with device dev-farm, by its own evidence: sent from a device shared by 3 accounts',
    );
  }, 120_000);
});

describe("a batch of several campaigns' judged votes", () => {
  it("records each campaign's members, whichever Redis Cluster master holds each board", async () => {
    // Six boards: on a cluster of three masters, their hash tags all but surely span masters.
    const boards = await Promise.all([0, 1, 2, 3, 4, 5].map(() => liveCampaign()));
    const now = Date.now();
    const batch = boards.map((boardId, i) =>
      judged(boardId, 'alice', `p-many-${i}`, now + i, {
        ip: `198.51.100.${20 + i}`,
        deviceId: `dev-many-${i}`,
        dwellMs: 4_000,
      }),
    );
    expect(await apply(batch)).toEqual(batch.map(() => expect.objectContaining({ verdict: 'counted' })));
    for (const boardId of boards) {
      expect(await deps.redis.exists(deps.keys.board(boardId).risk.membersSince)).toBe(1);
    }
  });
});
