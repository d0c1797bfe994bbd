import type { Logger } from '@rallyboard/core/logger';
import { AppError } from '@rallyboard/core/protocol';
import { type KeyBuilder, listRewardMarks } from '@rallyboard/core/redis';
import { type Periodic, runEvery } from '../every.js';
import { backfillRewardCampaigns, promotePending } from './mark.js';
import { type RewardDeps, reconcileRewards } from './reconcile.js';
import { watchCampaignTriggers } from './triggers.js';

export interface RewardPassDeps extends RewardDeps {
  keys: RewardDeps['keys'] & Pick<KeyBuilder, 'rewards' | 'board'>;
  logger: Pick<Logger, 'warn' | 'debug'>;
  /** Vote jobs not yet applied: an ended campaign's final top waits for them (triggers.ts). */
  votesInFlight?: () => Promise<number>;
}

/** Participants worked out per pass, and per campaign batch (one ledger read each). */
const PER_PASS = 1_000;
const PER_BATCH = 200;

/**
 * One rewards pass: the campaign-wide triggers watched (milestones, ends: triggers.ts), a new
 * rule's (or changed trigger's) campaigns backfilled, review's stale pending voters marked, then
 * the marked participants' rewards worked out (reconcile.ts), a campaign's in batches of 200. A
 * batch that fails (its campaign's lock busy, the database away) keeps its marks for the next pass.
 */
export async function runRewardPass(deps: RewardPassDeps, now = Date.now()): Promise<number> {
  await watchCampaignTriggers(deps, now);
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
        // Another process works the campaign (or one that died holds its lock until it lapses).
        const busy = error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE';
        deps.logger[busy ? 'debug' : 'warn'](
          { err: error, campaignId, participants: batch.length },
          'rewards batch not worked out; retried next pass',
        );
      }
    }
  }
  return done;
}

/** Votes waiting past which a pass waits its turn: the vote path comes first. */
const BACKLOG = 100;
/** The longest rewards wait for the votes: then one pass runs all the same. */
const MAX_DEFER_MS = 30_000;

/**
 * Runs rewards passes every `everyMs` until stopped. While votes wait in the queue (more than 100
 * jobs) a pass waits its turn, for 30 s at most: granting must not slow the vote path, and the
 * marks keep until the pass comes.
 */
export function startRewardPasses(
  deps: RewardPassDeps & { votesWaiting?: () => Promise<number> },
  everyMs = 500,
): Periodic {
  let deferredSince: number | undefined;
  return runEvery(async () => {
    try {
      const waiting = deps.votesWaiting ? await deps.votesWaiting() : 0;
      const now = Date.now();
      if (waiting > BACKLOG && now - (deferredSince ?? now) < MAX_DEFER_MS) {
        deferredSince ??= now;
        return;
      }
      deferredSince = undefined;
      await runRewardPass(deps);
    } catch (error) {
      deps.logger.warn({ err: error }, 'rewards pass failed');
    }
  }, everyMs);
}
