import type { LedgerModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import {
  apply,
  countOf,
  deps,
  judged,
  liveCampaign,
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
});
