import type { RewardModels, RewardRuleDoc } from '@rallyboard/core/db';
import { decodeScore, type KeyBuilder, type RedisClient } from '@rallyboard/core/redis';

/** What watching the campaign-wide triggers needs. */
export interface TriggerDeps {
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'rewards' | 'board'>;
  rewards: RewardModels;
}

const OVER = new Set(['ended', 'archived']);

type WatchedRule = Pick<RewardRuleDoc, '_id' | 'campaignId' | 'trigger' | 'reached' | 'endTop'>;

/** A candidate's counted votes (likes) now: the board's all-time score. */
async function countOf(deps: TriggerDeps, campaignId: string, candidateId: string): Promise<number> {
  const key = await deps.redis.zscore(deps.keys.board(campaignId).scores, candidateId);
  return key === null ? 0 : decodeScore(Number(key)).count;
}

/** The board's top `k` candidates with a counted vote, best first. */
async function topOf(deps: TriggerDeps, campaignId: string, k: number): Promise<string[]> {
  const flat = await deps.redis.zrange(deps.keys.board(campaignId).scores, '0', String(k - 1), 'WITHSCORES');
  const top: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (decodeScore(Number(flat[i + 1])).count > 0) top.push(flat[i] ?? '');
  }
  return top;
}

/**
 * Keeps the campaign-wide triggers of the campaigns with reward rules: whether each milestone's
 * candidate has its count of counted votes now (it can fall back below when votes are voided),
 * and, once a campaign has ended, its final top candidates for its end rules. A change puts the
 * campaign's voters in line to be worked out again (its backfill), which grants, or revokes,
 * what the trigger gives. Idempotent: two workers processes doing it at once change the same.
 *
 * @returns the rules whose trigger changed
 */
export async function watchCampaignTriggers(deps: TriggerDeps, now = Date.now()): Promise<number> {
  const campaignIds = await deps.redis.smembers(deps.keys.rewards.campaigns);
  if (campaignIds.length === 0) return 0;
  const rules = await deps.rewards.rules
    .find(
      {
        campaignId: { $in: campaignIds },
        'trigger.kind': { $in: ['milestone', 'campaign-end'] },
        endTop: { $exists: false },
      },
      { campaignId: 1, trigger: 1, reached: 1, endTop: 1 },
    )
    .lean<WatchedRule[]>();
  let changed = 0;
  for (const rule of rules) {
    const { trigger, campaignId } = rule;
    let set: Partial<Pick<RewardRuleDoc, 'reached' | 'endTop'>> | undefined;
    if (trigger.kind === 'milestone') {
      const reached = (await countOf(deps, campaignId, trigger.candidateId)) >= trigger.count;
      if (reached !== (rule.reached ?? false)) set = { reached };
    } else if (trigger.kind === 'campaign-end') {
      const status = await deps.redis.hget(deps.keys.board(campaignId).meta, 'status');
      if (status !== null && OVER.has(status)) set = { endTop: await topOf(deps, campaignId, trigger.top) };
    }
    if (!set) continue;
    // The voters first, then the rule: a pass that dies in between finds the change again.
    await deps.redis.zadd(deps.keys.rewards.backfill, now - 60_000, `${campaignId} ${rule._id}`);
    await deps.rewards.rules.updateOne({ _id: rule._id }, { $set: set });
    changed += 1;
  }
  return changed;
}
