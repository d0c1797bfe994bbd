import { campaignModel } from '@rallyboard/core/db';
import type { RiskSettingsPatch } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import { type BatchItem, createVoteApplier } from '../../src/votes/apply-votes.js';
import { ledgerWithInserts } from '../support/deps.js';
import {
  apply,
  countOf,
  deps,
  judged,
  liveCampaign,
  mongo,
  recordOf,
  stoppedFor,
  timeUntil,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

describe('a cluster revealed by a batch that failed after Redis', () => {
  it('is held when its job comes again, though its stopped vote then answers as a duplicate', async () => {
    const boardId = await liveCampaign();
    const now = Date.now();
    const farm = [0, 1, 2, 3].map((i) =>
      judged(boardId, 'alice', `p-again-${i}`, now + i, {
        ip: `198.51.100.${i + 31}`,
        deviceId: 'dev-again',
        dwellMs: 3_000,
      }),
    );
    for (const vote of farm.slice(0, 3)) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);

    // The device's fourth account is held in Redis, then the ledger write fails: the job fails.
    // (Its inserts fail as a dropped connection does.)
    const ledger = ledgerWithInserts(
      deps.ledger,
      () => () => Promise.reject(Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' })),
    );
    const failing = createVoteApplier({ ...deps, ledger });
    await expect(failing(farm.slice(3))).rejects.toThrow('connection reset');
    expect(await countOf(boardId, 'alice')).toBe(3);

    // Its retry finds the vote decided: a duplicate, held; the device's counted votes are taken back.
    expect(await apply(farm.slice(3))).toMatchObject([{ verdict: 'held', duplicate: true }]);
    await timeUntil(async () => (await countOf(boardId, 'alice')) === 0, 30_000, 'the farm taken back');
  }, 60_000);

  it('holds only its own time’s members when decided days after it was accepted, never those counted since', async () => {
    const boardId = await liveCampaign();
    const now = Date.now();
    // Today's accounts of a device, counted (the second and third by a shared phone's evidence).
    for (const i of [0, 1, 2]) {
      const today = judged(boardId, 'alice', `p-today-${i}`, now + i, {
        ip: `198.51.100.${i + 61}`,
        deviceId: 'dev-stale',
        dwellMs: 3_000,
      });
      expect(await apply([today])).toMatchObject([{ verdict: 'counted' }]);
    }
    // A vote of the device stopped two days ago, its job replayed only now.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'device:dev-stale', now - 2 * 86_400_000)]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await countOf(boardId, 'alice')).toBe(3);
    // Stopped now, the same cluster's hold takes them back.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'device:dev-stale', Date.now())]);
    await timeUntil(
      async () => (await countOf(boardId, 'alice')) === 0,
      30_000,
      "today's members taken back",
    );
  }, 60_000);
});

/** Applies votes as a worker whose ledger write fails (a dropped connection): Redis decides them, the job fails. */
async function failAfterRedis(votes: BatchItem[]): Promise<void> {
  const ledger = ledgerWithInserts(
    deps.ledger,
    () => () => Promise.reject(Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' })),
  );
  await expect(createVoteApplier({ ...deps, ledger })(votes)).rejects.toThrow('connection reset');
}

/** The host's change of the campaign's risk settings, as a worker that has not cached them reads it. */
async function changeSettings(boardId: string, risk: RiskSettingsPatch): Promise<void> {
  await campaignModel(mongo).updateOne({ _id: boardId }, { $set: { risk } });
}

describe('a vote delivered again after the host changed the risk settings', () => {
  it('is recorded with its first run’s reasons and holds its cluster, though risk control was switched off meanwhile', async () => {
    const boardId = await liveCampaign();
    const now = Date.now();
    const farm = [0, 1, 2, 3].map((i) =>
      judged(boardId, 'alice', `p-off-${i}`, now + i, {
        ip: `198.51.100.${i + 71}`,
        deviceId: 'dev-off',
        dwellMs: 3_000,
      }),
    );
    for (const vote of farm.slice(0, 3)) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
    await failAfterRedis(farm.slice(3));
    await changeSettings(boardId, { enabled: false });

    // A worker that reads the settings now (its cache expired): its retry answers the marker.
    const retried = await createVoteApplier(deps)(farm.slice(3));
    expect(retried).toEqual([{ verdict: 'held', duplicate: true }]);
    const record = await recordOf(farm[3]?.vote.voteId ?? '');
    expect(record).toMatchObject({ verdict: 'held', review: { state: 'held', by: 'risk' } });
    expect(record?.risk?.verdict).toBe('review');
    expect(record?.risk?.reasons.map((r) => r.rule)).toContain('deviceAccounts');
    expect(record?.risk?.clusters).toContain('device:dev-off');
    // Its follow-up is its first run's too: the device's counted votes are taken back.
    await timeUntil(async () => (await countOf(boardId, 'alice')) === 0, 20_000, 'the farm taken back');
  }, 60_000);

  it('is recorded as counted without a review when stricter rules would hold it now', async () => {
    const boardId = await liveCampaign();
    const vote = judged(boardId, 'alice', 'p-strict', Date.now(), { ip: '198.51.100.90', dwellMs: 3_000 });
    await failAfterRedis([vote]);
    expect(await countOf(boardId, 'alice')).toBe(1);
    // Every first vote is held from now on.
    await changeSettings(boardId, { rules: { newAccount: { action: 'review' } } });

    expect(await createVoteApplier(deps)([vote])).toMatchObject([{ verdict: 'counted', duplicate: true }]);
    const record = await recordOf(vote.vote.voteId);
    expect(record).toMatchObject({ verdict: 'counted', seq: 1 });
    expect(record?.risk).toBeUndefined();
    expect(record?.review).toBeUndefined();
  }, 30_000);
});
