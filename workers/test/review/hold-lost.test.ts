import { describe, expect, it } from 'vitest';
import type { WorkerDeps } from '../../src/deps.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import { createVoteApplier } from '../../src/votes/apply-votes.js';
import {
  countOf,
  deps,
  judged,
  liveCampaign,
  stoppedFor,
  timeUntil,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

/**
 * The review queue as a worker's producer connection has it while Redis reconnects: its first add
 * fails (enableOfflineQueue: false), the later ones reach Redis.
 */
function queueFailingOnce(): WorkerDeps['reviewQueue'] {
  let adds = 0;
  const addBulk: WorkerDeps['reviewQueue']['addBulk'] = (jobs) =>
    adds++ === 0
      ? Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"))
      : deps.reviewQueue.addBulk(jobs);
  return { addBulk } as WorkerDeps['reviewQueue'];
}

describe('a cluster hold that could not be queued', () => {
  it('fails the job of the vote that revealed it, and its retry takes the cluster’s counted votes back', async () => {
    const boardId = await liveCampaign();
    const apply = createVoteApplier({ ...deps, reviewQueue: queueFailingOnce() });
    const now = Date.now();
    const farm = [0, 1, 2, 3].map((i) =>
      judged(boardId, 'alice', `p-lost-${i}`, now + i, {
        ip: `198.51.100.${i + 101}`,
        deviceId: 'dev-lost',
        dwellMs: 3_000,
      }),
    );
    for (const vote of farm.slice(0, 3)) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);

    // The device's fourth account is held, but its hold cannot be queued: its job must fail, or
    // nothing ever queues the hold again.
    expect(await apply(farm.slice(3))).toMatchObject([{ verdict: 'failed' }]);
    // Retried at once (a store outage's first backoff is 200 ms): the failed add left nothing that
    // keeps the retry from queueing the hold.
    expect(await apply(farm.slice(3))).toEqual([{ verdict: 'held', duplicate: true }]);
    await timeUntil(async () => (await countOf(boardId, 'alice')) === 0, 20_000, 'the farm taken back');
  }, 60_000);

  it('fails the job of a member counted while its cluster was known, and its retry takes it back', async () => {
    const boardId = await liveCampaign();
    // The device was stopped just before (its holds queued then, for the 2 s after).
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'device:dev-known', Date.now())]);
    await new Promise((resolve) => setTimeout(resolve, 2_100));

    const apply = createVoteApplier({ ...deps, reviewQueue: queueFailingOnce() });
    const member = judged(boardId, 'alice', 'p-known', Date.now(), {
      ip: '198.51.100.120',
      deviceId: 'dev-known',
      dwellMs: 3_000,
    });
    expect(await apply([member])).toMatchObject([{ verdict: 'failed' }]);
    expect(await countOf(boardId, 'alice')).toBe(1);
    expect(await apply([member])).toMatchObject([{ verdict: 'counted', duplicate: true }]);
    await timeUntil(async () => (await countOf(boardId, 'alice')) === 0, 20_000, 'the member taken back');
  }, 60_000);
});
