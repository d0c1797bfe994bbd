import type { Logger } from '@rallyboard/core/logger';
import { type KeyBuilder, listRewardMarks } from '@rallyboard/core/redis';
import { type Periodic, runEvery } from '../every.js';
import { backfillRewardCampaigns } from './mark.js';
import { type RewardDeps, reconcileRewards } from './reconcile.js';

export interface RewardPassDeps extends RewardDeps {
  keys: RewardDeps['keys'] & Pick<KeyBuilder, 'rewards'>;
  logger: Pick<Logger, 'warn'>;
}

/** Participants worked out per pass, and at once. */
const PER_PASS = 500;
const AT_ONCE = 4;

/**
 * One rewards pass: a new rule's campaigns backfilled, then the marked participants' rewards
 * worked out (reconcile.ts), four at a time. A participant whose pass fails (its lock busy, the
 * database away) keeps its mark for the next pass.
 */
export async function runRewardPass(deps: RewardPassDeps, now = Date.now()): Promise<number> {
  await backfillRewardCampaigns(deps, now);
  const marked = await listRewardMarks(deps.redis, deps.keys, PER_PASS);
  let done = 0;
  for (let i = 0; i < marked.length; i += AT_ONCE) {
    await Promise.all(
      marked.slice(i, i + AT_ONCE).map(async ({ campaignId, participantId }) => {
        try {
          await reconcileRewards(deps, campaignId, participantId);
          done += 1;
        } catch (error) {
          deps.logger.warn(
            { err: error, campaignId, participantId },
            'rewards pass failed; retried next pass',
          );
        }
      }),
    );
  }
  return done;
}

/** Runs rewards passes every `everyMs` until stopped. */
export function startRewardPasses(deps: RewardPassDeps, everyMs = 500): Periodic {
  return runEvery(async () => {
    try {
      await runRewardPass(deps);
    } catch (error) {
      deps.logger.warn({ err: error }, 'rewards pass failed');
    }
  }, everyMs);
}
