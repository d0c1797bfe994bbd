import type { LedgerModel, LedgerVote } from '@rallyboard/core/db';
import {
  type KeyBuilder,
  markRewards,
  parseRewardField,
  type RedisClient,
  rewardField,
} from '@rallyboard/core/redis';

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
      marks.set(rewardField(r.boardId, r.voterId), { campaignId: r.boardId, participantId: r.voterId });
    }
    await markRewards(deps.redis, deps.keys, [...marks.values()]);
  };
}

/**
 * Marks the voters of votes review moves (approves, holds, voids) on a campaign with reward rules:
 * what their counted votes earn may change. `before` the move is written, they are noted as
 * pending; `after`, marked for the rewards pass. A move whose job dies in between (and is not
 * moved again by its retry, which finds those votes moved) leaves them pending, and the rewards
 * pass marks pending voters once they are a minute old (promotePending).
 */
export async function markMovedVoters(
  deps: MarkDeps,
  boardId: string,
  records: readonly Pick<LedgerVote, 'voterId'>[],
  phase: 'before' | 'after',
): Promise<void> {
  const voters = [...new Set(records.flatMap((r) => (r.voterId === undefined ? [] : [r.voterId])))];
  if (voters.length === 0 || !(await deps.redis.sismember(deps.keys.rewards.campaigns, boardId))) return;
  const fields = voters.map((participantId) => rewardField(boardId, participantId));
  if (phase === 'before') {
    await deps.redis.hset(deps.keys.rewards.pending, Object.fromEntries(fields.map((f) => [f, Date.now()])));
    return;
  }
  await markRewards(
    deps.redis,
    deps.keys,
    voters.map((participantId) => ({ campaignId: boardId, participantId })),
  );
  await deps.redis.hdel(deps.keys.rewards.pending, ...fields);
}

/** Marks the voters review left pending for over `ageMs` (its job died mid-move). */
export async function promotePending(deps: MarkDeps, now: number, ageMs = 60_000): Promise<number> {
  const [, flat] = await deps.redis.hscan(deps.keys.rewards.pending, '0', 'COUNT', 500);
  const stale: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (now - Number(flat[i + 1]) > ageMs) stale.push(flat[i] ?? '');
  }
  if (stale.length === 0) return 0;
  await markRewards(deps.redis, deps.keys, stale.map(parseRewardField));
  await deps.redis.hdel(deps.keys.rewards.pending, ...stale);
  return stale.length;
}

/**
 * Marks every voter of the campaigns whose rules were added (or resumed) at least `settleMs` ago:
 * a rule applies to votes counted before it too. Each rule's entry leaves the list once its
 * campaign's voters are marked.
 */
export async function backfillRewardCampaigns(
  deps: MarkDeps & { ledger: LedgerModel },
  now: number,
  settleMs = REWARD_CAMPAIGNS_TTL_MS * 2,
): Promise<number> {
  const due = await deps.redis.zrangebyscore(deps.keys.rewards.backfill, '-inf', now - settleMs);
  let marked = 0;
  for (const entry of due) {
    const [campaignId = ''] = entry.split(' ');
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
    // Its own entry only: another rule's, added meanwhile, stays for the next pass.
    await deps.redis.zrem(deps.keys.rewards.backfill, entry);
  }
  return marked;
}
