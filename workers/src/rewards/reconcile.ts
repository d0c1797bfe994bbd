import {
  insertRewardGrant,
  type LedgerModel,
  type RewardGrantDoc,
  type RewardModels,
  type RewardRuleDoc,
  unfilledHolders,
} from '@rallyboard/core/db';
import {
  claimCoupon,
  type KeyBuilder,
  markRewards,
  type RedisClient,
  releaseCoupon,
  rewardMarksOf,
  settleRewardMarks,
  withLock,
} from '@rallyboard/core/redis';
import { countedActs, type DesiredGrant, desiredGrants } from './compute.js';

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

/** The counted ledger records of some voters on one board: one query for the lot. */
async function countedRecords(ledger: LedgerModel, boardId: string, voterIds: readonly string[]) {
  return ledger
    .find(
      { boardId, voterId: { $in: [...voterIds] }, verdict: 'counted', action: { $in: ['vote', 'like'] } },
      { voterId: 1, candidateId: 1, action: 1, verdict: 1, day: 1, acceptedAt: 1, review: 1, restores: 1 },
    )
    .lean();
}

/** Groups items by a key. */
function byKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/**
 * Works out some participants' rewards in one campaign from the ledger as it is now: grants the
 * rules give that they lack, revokes those no counted act justifies any more, and fills coupon
 * grants a pool had no code for. Under the campaign's rewards lock, so two passes never
 * interleave; each participant's marks are read before the ledger and taken back at the end, so
 * a mark that came in meanwhile (a vote this read may have missed) keeps it for the next pass.
 * One ledger query and one grants query for the lot: FerretDB reads are scans.
 *
 * Every write is idempotent (grant ids derive from rule, participant and trigger; coupon claims
 * are per grant), so a pass that dies anywhere is simply run again.
 */
export function reconcileRewards(deps: RewardDeps, campaignId: string, participantIds: readonly string[]) {
  return withLock(
    deps.redis,
    deps.keys.rewards.lock(campaignId),
    async (): Promise<RewardChanges> => {
      const marks = await Promise.all(
        participantIds.map((p) => rewardMarksOf(deps.redis, deps.keys, campaignId, p)),
      );
      const [rules, pools, grants, records] = await Promise.all([
        deps.rewards.rules.find({ campaignId }).sort({ createdAt: 1 }).lean<RewardRuleDoc[]>(),
        deps.rewards.pools.find({ campaignId }).lean(),
        deps.rewards.grants
          .find({ campaignId, participantId: { $in: [...participantIds] } })
          .lean<RewardGrantDoc[]>(),
        countedRecords(deps.ledger, campaignId, participantIds),
      ]);
      const poolMap = new Map(pools.map((p) => [p._id, p]));
      const grantsOf = byKey(grants, (g) => g.participantId);
      const recordsOf = byKey(records, (r) => r.voterId ?? '');
      const changes: RewardChanges = { granted: 0, revoked: 0, filled: 0 };
      for (const [i, participantId] of participantIds.entries()) {
        const held = grantsOf.get(participantId) ?? [];
        const live = new Set(held.filter((g) => g.status !== 'revoked').map((g) => g._id));
        const acts = countedActs(recordsOf.get(participantId) ?? []);
        const desired = desiredGrants(participantId, rules, poolMap, acts, live);
        const done = await applyGrants(deps, campaignId, participantId, desired, held);
        changes.granted += done.granted;
        changes.revoked += done.revoked;
        changes.filled += done.filled;
        await settleRewardMarks(deps.redis, deps.keys, campaignId, participantId, marks[i] ?? 0);
      }
      return changes;
    },
    { ttlMs: 120_000, waitMs: 2_000 },
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
  if (grant.poolId !== undefined && !redeemed) {
    await releaseCoupon(deps.redis, deps.keys, grant.poolId, grant._id);
    // A code is back: those waiting for one are worked out again.
    await markRewards(deps.redis, deps.keys, await unfilledHolders(deps.rewards, grant.poolId));
  }
}
