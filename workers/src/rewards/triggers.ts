import type { RewardModels, RewardRuleDoc } from '@rallyboard/core/db';
import {
  candidateCount,
  decodeScore,
  type KeyBuilder,
  queueRewardBackfill,
  type RedisClient,
} from '@rallyboard/core/redis';

/** What watching the campaign-wide triggers needs. */
export interface TriggerDeps {
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'rewards' | 'board'>;
  rewards: RewardModels;
  /** Vote jobs not yet applied (queue/votes.ts votesInFlight); none when not given. */
  votesInFlight?: () => Promise<number>;
}

const OVER = new Set(['ended', 'archived']);
/** How long after the workers first see a campaign ended its final top waits, at least, for its last votes. */
const END_SETTLE_MS = 5_000;
/** ... and at most, while other votes keep the queue busy. */
const END_WAIT_MS = 10 * 60_000;
/** How long a reached milestone's candidate must stay under the count before the milestone is taken back. */
const BELOW_MS = 60_000;

type WatchedRule = Pick<RewardRuleDoc, '_id' | 'campaignId' | 'trigger' | 'reached' | 'endTop'>;

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
 * A milestone's change, if any: reached as soon as its candidate has the count; taken back only
 * once the candidate has stayed under it for a minute (voids, or on a like board unlikes), so a
 * count wavering at the line does not grant and revoke every supporter's reward over and over.
 */
async function milestoneChange(
  deps: TriggerDeps,
  rule: WatchedRule,
  trigger: { candidateId: string; count: number },
  now: number,
): Promise<Partial<Pick<RewardRuleDoc, 'reached'>> | undefined> {
  const reached =
    (await candidateCount(deps.redis, deps.keys, rule.campaignId, trigger.candidateId)) >= trigger.count;
  const { belowSince } = deps.keys.rewards;
  if (reached) {
    await deps.redis.hdel(belowSince, rule._id);
    return rule.reached ? undefined : { reached: true };
  }
  if (!rule.reached) return undefined;
  await deps.redis.hsetnx(belowSince, rule._id, String(now));
  const since = Number((await deps.redis.hget(belowSince, rule._id)) ?? now);
  if (now - since < BELOW_MS) return undefined;
  await deps.redis.hdel(belowSince, rule._id);
  return { reached: false };
}

/**
 * Whether an ended campaign's last votes are in: votes accepted before the end may still wait in
 * the queue. True once the workers first saw it ended five seconds ago and no vote job is left,
 * or ten minutes ago whatever other campaigns' votes keep the queue busy.
 */
async function lastVotesIn(deps: TriggerDeps, campaignId: string, now: number): Promise<boolean> {
  const { endedSeen } = deps.keys.rewards;
  await deps.redis.hsetnx(endedSeen, campaignId, String(now));
  const seen = Number((await deps.redis.hget(endedSeen, campaignId)) ?? now);
  if (now - seen >= END_WAIT_MS) return true;
  if (now - seen < END_SETTLE_MS) return false;
  return ((await deps.votesInFlight?.()) ?? 0) === 0;
}

/**
 * Keeps the campaign-wide triggers of the campaigns with reward rules: whether each milestone's
 * candidate has its count of counted votes now (milestoneChange), and, once a campaign has ended
 * and its last votes are in (lastVotesIn), its final top candidates for its end rules. A change puts the
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
    const board = deps.keys.board(campaignId);
    const [known, fenced, status] = await Promise.all([
      deps.redis.exists(board.meta),
      deps.redis.exists(board.fence),
      deps.redis.hget(board.meta, 'status'),
    ]);
    // No board in Redis, or one being rebuilt: its scores say nothing now.
    if (known === 0 || fenced === 1) continue;
    let set: Partial<Pick<RewardRuleDoc, 'reached' | 'endTop'>> | undefined;
    if (trigger.kind === 'milestone') {
      set = await milestoneChange(deps, rule, trigger, now);
    } else if (
      trigger.kind === 'campaign-end' &&
      status !== null &&
      OVER.has(status) &&
      (await lastVotesIn(deps, campaignId, now))
    ) {
      set = { endTop: await topOf(deps, campaignId, trigger.top) };
    }
    if (!set) continue;
    // The voters first, then the rule: a pass that dies in between finds the change again. An end
    // rule's top is written once (compare-and-set): a second process's later look changes nothing.
    await queueRewardBackfill(deps.redis, deps.keys, campaignId, rule._id, now - 60_000);
    const filter = set.endTop ? { _id: rule._id, endTop: { $exists: false } } : { _id: rule._id };
    await deps.rewards.rules.updateOne(filter, { $set: set });
    changed += 1;
  }
  return changed;
}
