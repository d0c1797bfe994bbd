import {
  insertRewardGrant,
  type LedgerModel,
  type RewardGrantDoc,
  type RewardModels,
  type RewardRuleDoc,
} from '@rallyboard/core/db';
import {
  claimCoupon,
  type KeyBuilder,
  type RedisClient,
  releaseCoupon,
  rewardMarksOf,
  settleRewardMarks,
  withLock,
} from '@rallyboard/core/redis';
import { type CountedActivity, type DesiredGrant, desiredGrants, standing } from './compute.js';

/** What working out rewards needs. */
export interface RewardDeps {
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'rewards'>;
  rewards: RewardModels;
  ledger: LedgerModel;
  now?: () => Date;
}

/** What one pass over a participant changed. */
export interface RewardChanges {
  granted: number;
  revoked: number;
  filled: number;
}

/** The participant's votes and likes on the board that count now. */
async function countedActivity(
  ledger: LedgerModel,
  boardId: string,
  voterId: string,
): Promise<CountedActivity[]> {
  const records = await ledger
    .find(
      { voterId, boardId, verdict: 'counted', action: { $in: ['vote', 'like'] } },
      { candidateId: 1, action: 1, verdict: 1, day: 1, acceptedAt: 1, review: 1, restores: 1 },
    )
    .lean();
  return records.flatMap((r) => {
    const act = standing(r);
    return act ? [act] : [];
  });
}

/**
 * Works out one participant's rewards in one campaign from the ledger as it is now: grants the
 * rules give that it lacks, revokes those no counted act justifies any more, and fills coupon
 * grants a pool had no code for. Under the participant's rewards lock, so two passes never
 * interleave; the marks read at the start are taken back at the end, and a mark that came in
 * meanwhile keeps the participant for the next pass.
 *
 * Every write is idempotent (grant ids derive from rule, participant and trigger; coupon claims
 * are per grant), so a pass that dies anywhere is simply run again.
 */
export function reconcileRewards(deps: RewardDeps, campaignId: string, participantId: string) {
  return withLock(
    deps.redis,
    deps.keys.rewards.lock(campaignId, participantId),
    async (): Promise<RewardChanges> => {
      const marks = await rewardMarksOf(deps.redis, deps.keys, campaignId, participantId);
      const [rules, pools, grants, activity] = await Promise.all([
        deps.rewards.rules.find({ campaignId }).sort({ createdAt: 1 }).lean<RewardRuleDoc[]>(),
        deps.rewards.pools.find({ campaignId }).lean(),
        deps.rewards.grants.find({ campaignId, participantId }).lean<RewardGrantDoc[]>(),
        countedActivity(deps.ledger, campaignId, participantId),
      ]);
      const live = new Set(grants.filter((g) => g.status !== 'revoked').map((g) => g._id));
      const desired = desiredGrants(
        participantId,
        rules,
        new Map(pools.map((p) => [p._id, p])),
        activity,
        live,
      );
      const changes = await applyGrants(deps, campaignId, participantId, desired, grants);
      await settleRewardMarks(deps.redis, deps.keys, campaignId, participantId, marks);
      return changes;
    },
    { ttlMs: 30_000 },
  );
}

async function applyGrants(
  deps: RewardDeps,
  campaignId: string,
  participantId: string,
  desired: readonly DesiredGrant[],
  grants: readonly RewardGrantDoc[],
): Promise<RewardChanges> {
  const now = deps.now?.() ?? new Date();
  const changes: RewardChanges = { granted: 0, revoked: 0, filled: 0 };
  const existing = new Map(grants.map((g) => [g._id, g]));
  const wanted = new Set(desired.map((d) => d.grantId));
  for (const d of desired) {
    const held = existing.get(d.grantId);
    let grant = held;
    if (!held || held.status === 'revoked') {
      grant = await grant_(deps, campaignId, participantId, d, held, now);
      changes.granted += 1;
    } else if (held.voteId !== d.voteId) {
      // Its vote was voided but another counted one still makes the trigger true: it stands.
      await deps.rewards.grants.updateOne({ _id: held._id }, { $set: { voteId: d.voteId } });
    }
    if (grant?.status === 'unfilled' && grant.poolId !== undefined) {
      const code = await claimCoupon(deps.redis, deps.keys, grant.poolId, grant._id);
      if (code !== undefined) {
        await deps.rewards.grants.updateOne({ _id: grant._id }, { $set: { status: 'active', code } });
        changes.filled += 1;
      }
    }
  }
  for (const g of grants) {
    if (wanted.has(g._id)) continue;
    if (g.status !== 'revoked') {
      await revoke(deps, g, now);
      changes.revoked += 1;
    } else if (g.poolId !== undefined && g.redeemedAt === undefined) {
      // A pass that died between the revocation and the release: the code goes back now.
      await releaseCoupon(deps.redis, deps.keys, g.poolId, g._id);
    }
  }
  return changes;
}

/** Writes a grant (new, or one revoked before and earned again): coupons start unfilled. */
async function grant_(
  deps: RewardDeps,
  campaignId: string,
  participantId: string,
  d: DesiredGrant,
  held: RewardGrantDoc | undefined,
  now: Date,
): Promise<RewardGrantDoc> {
  const doc: RewardGrantDoc = {
    _id: d.grantId,
    campaignId,
    ruleId: d.ruleId,
    participantId,
    key: d.key,
    voteId: d.voteId,
    status: d.reward.kind === 'coupon' ? 'unfilled' : 'active',
    ...(d.reward.kind === 'points' ? { points: d.reward.points } : { poolId: d.reward.poolId }),
    grantedAt: now,
  };
  if (held?.redeemedAt !== undefined) {
    // Its code was taken at the shop before the revocation: earned again, it is that code again.
    const back = { ...held, status: 'active' as const, flagged: false };
    await deps.rewards.grants.updateOne(
      { _id: d.grantId },
      { $set: { status: 'active', flagged: false }, $unset: { revokedAt: 1, revokedBecause: 1 } },
    );
    return back;
  }
  if (held) {
    await deps.rewards.grants.replaceOne({ _id: d.grantId }, doc);
    return doc;
  }
  await insertRewardGrant(deps.rewards, doc);
  return doc;
}

/**
 * Takes a grant back: its status first, then its code back to the pool (a pass that dies in
 * between releases it next time). A code the shop already took stays taken, flagged for the host.
 */
async function revoke(deps: RewardDeps, grant: RewardGrantDoc, now: Date): Promise<void> {
  const redeemed = grant.redeemedAt !== undefined;
  await deps.rewards.grants.updateOne(
    { _id: grant._id },
    {
      $set: {
        status: 'revoked',
        revokedAt: now,
        revokedBecause: `vote ${grant.voteId} no longer counts`,
        ...(redeemed ? { flagged: true } : {}),
      },
    },
  );
  if (grant.poolId !== undefined && !redeemed)
    await releaseCoupon(deps.redis, deps.keys, grant.poolId, grant._id);
}
