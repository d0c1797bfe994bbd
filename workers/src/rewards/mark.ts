import type { LedgerModel, LedgerVote } from '@rallyboard/core/db';
import { type KeyBuilder, markRewards, type RedisClient } from '@rallyboard/core/redis';

type MarkDeps = { redis: RedisClient; keys: Pick<KeyBuilder, 'rewards'> };

/** How long the workers trust their copy of the campaigns with reward rules. */
const REWARD_CAMPAIGNS_TTL_MS = 2_000;

/**
 * Marks, after a batch's ledger write, the voters whose counted votes may earn rewards: those of
 * campaigns with reward rules (a set the server keeps; read at most every two seconds, and a new
 * rule's campaign is backfilled once that long has passed, so no vote falls between the two).
 * One pipelined HINCRBY per voter of such a campaign; nothing for any other.
 */
export function createRewardMarker(deps: MarkDeps): (records: readonly LedgerVote[]) => Promise<void> {
  let campaigns: { at: number; ids: Set<string> } | undefined;
  const rewardCampaigns = async () => {
    if (!campaigns || Date.now() - campaigns.at > REWARD_CAMPAIGNS_TTL_MS) {
      campaigns = { at: Date.now(), ids: new Set(await deps.redis.smembers(deps.keys.rewards.campaigns)) };
    }
    return campaigns.ids;
  };
  return async (records) => {
    const counted = records.filter((r) => r.verdict === 'counted' && r.voterId !== undefined);
    if (counted.length === 0) return;
    const ids = await rewardCampaigns();
    if (ids.size === 0) return;
    const marks = new Map<string, { campaignId: string; participantId: string }>();
    for (const r of counted) {
      if (!ids.has(r.boardId) || r.voterId === undefined) continue;
      marks.set(`${r.boardId} ${r.voterId}`, { campaignId: r.boardId, participantId: r.voterId });
    }
    await markRewards(deps.redis, deps.keys, [...marks.values()]);
  };
}

/**
 * Marks the voters of votes review moved (approved, held, voided) on a campaign with reward
 * rules: what their counted votes earn may have changed.
 */
export async function markMovedVoters(
  deps: MarkDeps,
  boardId: string,
  records: readonly Pick<LedgerVote, 'voterId'>[],
): Promise<void> {
  if (!(await deps.redis.sismember(deps.keys.rewards.campaigns, boardId))) return;
  const voters = new Set(records.flatMap((r) => (r.voterId === undefined ? [] : [r.voterId])));
  await markRewards(
    deps.redis,
    deps.keys,
    [...voters].map((participantId) => ({ campaignId: boardId, participantId })),
  );
}

/**
 * Marks every voter of the campaigns whose rules were added at least `settleMs` ago: a new rule
 * applies to votes counted before it too. A campaign leaves the list once its voters are marked.
 */
export async function backfillRewardCampaigns(
  deps: MarkDeps & { keys: Pick<KeyBuilder, 'rewards'>; ledger: LedgerModel },
  now: number,
  settleMs = REWARD_CAMPAIGNS_TTL_MS * 2,
): Promise<number> {
  const due = await deps.redis.zrangebyscore(deps.keys.rewards.backfill, '-inf', now - settleMs);
  let marked = 0;
  for (const campaignId of due) {
    const voters = (await deps.ledger.distinct('voterId', {
      boardId: campaignId,
      verdict: 'counted',
    })) as string[];
    await markRewards(
      deps.redis,
      deps.keys,
      voters.filter(Boolean).map((participantId) => ({ campaignId, participantId })),
    );
    marked += voters.length;
    await deps.redis.zrem(deps.keys.rewards.backfill, campaignId);
  }
  return marked;
}
