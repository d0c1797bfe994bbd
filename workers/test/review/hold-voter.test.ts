import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import {
  allHeld,
  apply,
  deps,
  judged,
  liveCampaign,
  recordOf,
  stoppedFor,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

describe("a voter's hold", () => {
  it("takes back the account's own counted votes of the day, not only its last ten minutes, and nobody else's", async () => {
    const boardId = await liveCampaign(['alice', 'bob']);
    const now = Date.now();
    // A cohort's account voted in waves 40 and 25 minutes ago; someone else voted in between.
    const waves = [
      judged(boardId, 'alice', 'p-cohort', now - 40 * 60_000, {
        ip: '198.51.100.20',
        deviceId: 'dev-c',
        dwellMs: 4_000,
      }),
      judged(boardId, 'bob', 'p-cohort', now - 25 * 60_000, {
        ip: '203.0.113.20',
        deviceId: 'dev-c',
        dwellMs: 4_200,
      }),
    ];
    const bystander = judged(boardId, 'alice', 'p-else', now - 30 * 60_000, {
      ip: '198.51.100.20',
      deviceId: 'dev-e',
      dwellMs: 4_100,
    });
    for (const vote of [waves[0], bystander, waves[1]]) {
      if (vote) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
    }

    // Its vote of a third wave is stopped for its account (lockstep names `voter:<id>`).
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'voter:p-cohort', now)]);

    await eventually(() => allHeld(waves, 'voter:p-cohort'), 30_000, "the account's earlier waves held");
    const other = await recordOf(bystander.vote.voteId);
    expect(other).toMatchObject({ verdict: 'counted', delta: 1 });
    expect(other?.review).toBeUndefined();
  }, 60_000);
});
