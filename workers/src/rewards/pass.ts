import type { Logger } from '@rallyboard/core/logger';
import { type KeyBuilder, listRewardMarks } from '@rallyboard/core/redis';
import { type Periodic, runEvery } from '../every.js';
import { backfillRewardCampaigns, promotePending } from './mark.js';
import { type RewardDeps, reconcileRewards } from './reconcile.js';

export interface RewardPassDeps extends RewardDeps {
  keys: RewardDeps['keys'] & Pick<KeyBuilder, 'rewards'>;
  logger: Pick<Logger, 'warn'>;
}

/** Participants worked out per pass, and per campaign batch (one ledger read each). */
const PER_PASS = 1_000;
const PER_BATCH = 200;

/**
 * One rewards pass: a new rule's campaigns backfilled, review's stale pending voters marked, then
 * the marked participants' rewards worked out (reconcile.ts), a campaign's in batches of 200. A
 * batch that fails (its campaign's lock busy, the database away) keeps its marks for the next pass.
 */
export async function runRewardPass(deps: RewardPassDeps, now = Date.now()): Promise<number> {
  await backfillRewardCampaigns(deps, now);
  await promotePending(deps, now);
  const marked = await listRewardMarks(deps.redis, deps.keys, PER_PASS);
  const byCampaign = new Map<string, string[]>();
  for (const { campaignId, participantId } of marked) {
    byCampaign.set(campaignId, [...(byCampaign.get(campaignId) ?? []), participantId]);
  }
  let done = 0;
  for (const [campaignId, participants] of byCampaign) {
    for (let i = 0; i < participants.length; i += PER_BATCH) {
      const batch = participants.slice(i, i + PER_BATCH);
      try {
        await reconcileRewards(deps, campaignId, batch);
        done += batch.length;
      } catch (error) {
        deps.logger.warn(
          { err: error, campaignId, participants: batch.length },
          'rewards batch failed; retried next pass',
        );
      }
    }
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
