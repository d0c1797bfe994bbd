import type { LedgerModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import {
  apply,
  countOf,
  deps,
  judged,
  liveCampaign,
  stoppedFor,
  timeUntil,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

/** The ledger, but its next insert fails as a dropped connection does. */
function ledgerFailingOnce(): LedgerModel {
  const collection = new Proxy(deps.ledger.collection, {
    get: (target, prop) =>
      prop === 'insertMany'
        ? () => Promise.reject(Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' }))
        : Reflect.get(target, prop),
  });
  return new Proxy(deps.ledger, {
    get: (target, prop) => (prop === 'collection' ? collection : Reflect.get(target, prop)),
  });
}

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
    const failing = createVoteApplier({ ...deps, ledger: ledgerFailingOnce() });
    await expect(failing(farm.slice(3))).rejects.toThrow('connection reset');
    expect(await countOf(boardId, 'alice')).toBe(3);

    // Its retry finds the vote decided: a duplicate, held; the device's counted votes are taken back.
    expect(await apply(farm.slice(3))).toMatchObject([{ verdict: 'held', duplicate: true }]);
    await timeUntil(async () => (await countOf(boardId, 'alice')) === 0, 30_000, 'the farm taken back');
  }, 60_000);

  it('holds nothing when decided a hold’s window after it was accepted: the members counted since are not its', async () => {
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
