import {
  insertRewardGrants,
  type LedgerModel,
  poolExpired,
  type RewardGrantDoc,
  type RewardModels,
  type RewardRuleDoc,
  readRewardActs,
  unfilledHolders,
} from '@rallyboard/core/db';
import {
  claimCoupon,
  couponsLeft,
  type KeyBuilder,
  markRewards,
  type RedisClient,
  rewardMarksOf,
  settleRewardMarks,
  withLock,
} from '@rallyboard/core/redis';
import { countedActs, type DesiredGrant, desiredGrants } from './compute.js';
import { giveBackCodes, restoreSeenCode } from './seen-codes.js';

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

/** Groups items by a key. */
function byKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** The longest a rewards pass keeps renewing its campaign's lock. */
const PASS_MAX_MS = 10 * 60_000;

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
export function reconcileRewards(
  deps: RewardDeps,
  campaignId: string,
  participantIds: readonly string[],
  { lockTtlMs = 30_000 }: { lockTtlMs?: number } = {},
) {
  return withLock(
    deps.redis,
    deps.keys.rewards.lock(campaignId),
    async (): Promise<RewardChanges> => {
      const marks = await Promise.all(
        participantIds.map((p) => rewardMarksOf(deps.redis, deps.keys, campaignId, p)),
      );
      const [rules, pools, lotteries, grants, records] = await Promise.all([
        deps.rewards.rules.find({ campaignId }).sort({ createdAt: 1 }).lean<RewardRuleDoc[]>(),
        deps.rewards.pools.find({ campaignId }, { perParticipant: 1, expiresAt: 1 }).lean(),
        deps.rewards.lotteries.find({ campaignId }, { perParticipant: 1, status: 1 }).lean(),
        deps.rewards.grants
          .find({ campaignId, participantId: { $in: [...participantIds] } })
          .lean<RewardGrantDoc[]>(),
        readRewardActs(deps.ledger, campaignId, participantIds),
      ]);
      const limits = new Map([...pools, ...lotteries].map((p) => [p._id, p]));
      // A drawn lottery's list is final: its rules give no new tickets (those held stay, or are revoked).
      const drawn = new Set(lotteries.filter((l) => l.status === 'drawn').map((l) => l._id));
      const live = rules.map((r) =>
        r.reward.kind === 'lottery' && drawn.has(r.reward.lotteryId) ? { ...r, enabled: false } : r,
      );
      const grantsOf = byKey(grants, (g) => g.participantId);
      const recordsOf = byKey(records, (r) => r.voterId ?? '');
      const writes = new BatchWrites(deps, pools);
      for (const participantId of participantIds) {
        const held = grantsOf.get(participantId) ?? [];
        const kept = new Set(held.filter((g) => g.status !== 'revoked').map((g) => g._id));
        const acts = countedActs(recordsOf.get(participantId) ?? []);
        await planGrants(
          writes,
          campaignId,
          participantId,
          desiredGrants(participantId, live, limits, acts, kept),
          held,
        );
      }
      const changes = await writes.flush();
      await Promise.all(
        participantIds.map((p, i) => settleRewardMarks(deps.redis, deps.keys, campaignId, p, marks[i] ?? 0)),
      );
      return changes;
    },
    // Renewed while the pass runs (a slow store, thousands of participants): a pass that
    // outlived its lock let the next one decide on what it had not written yet, and then wrote a
    // grant for a vote the next one had seen voided. A hung pass still frees it after PASS_MAX_MS.
    { ttlMs: lockTtlMs, waitMs: 2_000, renew: { forMs: PASS_MAX_MS } },
  );
}

/** The writes of one batch, gathered so that new grants go in one insert and revocations in one update. */
class BatchWrites {
  readonly now: Date;
  readonly inserts: RewardGrantDoc[] = [];
  readonly revoked: string[] = [];
  readonly flagged: string[] = [];
  /** Coupon grants whose code goes back to its pool, after the revocations are written. */
  readonly releases: { poolId: string; grantId: string }[] = [];
  /** Pools of waiting (unfilled) grants this batch revoked: their places go to the next in line. */
  readonly freed = new Set<string>();
  /** Pools this batch left a grant waiting in: an import may have stocked them meanwhile. */
  readonly waiting = new Set<string>();
  readonly changes: RewardChanges = { granted: 0, revoked: 0, filled: 0 };
  /** Pools past their expiry: no code of theirs is handed out any more (the grant stays unfilled). */
  readonly expired: ReadonlySet<string>;

  constructor(
    readonly deps: RewardDeps,
    pools: readonly { _id: string; expiresAt: Date }[],
  ) {
    this.now = deps.now?.() ?? new Date();
    this.expired = new Set(pools.filter((p) => poolExpired(p, this.now.getTime())).map((p) => p._id));
  }

  /** A code of the pool for the grant, unless the pool has none left or has expired. */
  claim(poolId: string, grantId: string): Promise<string | undefined> {
    if (this.expired.has(poolId)) return Promise.resolve(undefined);
    return claimCoupon(this.deps.redis, this.deps.keys, poolId, grantId);
  }

  /**
   * Writes what was gathered: the grants, then the revocations, then the codes back to the pools
   * (or retired, when their holders had seen them).
   */
  async flush(): Promise<RewardChanges> {
    const { grants } = this.deps.rewards;
    for (let i = 0; i < this.inserts.length; i += 500) {
      await insertRewardGrants(this.deps.rewards, this.inserts.slice(i, i + 500));
    }
    const revocation = {
      status: 'revoked',
      revokedAt: this.now,
      revokedBecause: 'its vote no longer counts',
    };
    if (this.revoked.length > 0)
      await grants.updateMany({ _id: { $in: this.revoked } }, { $set: revocation });
    if (this.flagged.length > 0) {
      await grants.updateMany({ _id: { $in: this.flagged } }, { $set: { ...revocation, flagged: true } });
    }
    const given = await giveBackCodes(this.deps, this.releases, this.now);
    // Codes are back, or a grant that waited for one is gone, or this batch left one waiting
    // while an import (which holds another lock) may have stocked its pool: those waiting are
    // worked out again, as many as there are codes now, those who waited longest first (not for
    // an expired pool's code, kept in its stock but never handed out).
    const pools = new Set([...given, ...this.freed, ...this.waiting]);
    for (const poolId of pools) {
      if (this.expired.has(poolId)) continue;
      const left = await couponsLeft(this.deps.redis, this.deps.keys, poolId);
      await markRewards(
        this.deps.redis,
        this.deps.keys,
        await unfilledHolders(this.deps.rewards, poolId, left),
      );
    }
    return this.changes;
  }
}

/**
 * One participant's part of a batch: what to grant, fill and revoke, from what the rules give
 * (`desired`) and what it holds (`grants`). A new coupon grant claims its code first (per grant,
 * so a pass that dies before the insert gets the same code next time) and goes in filled.
 */
async function planGrants(
  writes: BatchWrites,
  campaignId: string,
  participantId: string,
  desired: readonly DesiredGrant[],
  grants: readonly RewardGrantDoc[],
): Promise<void> {
  const { deps, changes } = writes;
  const existing = new Map(grants.map((g) => [g._id, g]));
  const wanted = new Set(desired.map((d) => d.grantId));
  for (const d of desired) {
    const held = existing.get(d.grantId);
    if (!held) {
      writes.inserts.push(await newGrant(writes, campaignId, participantId, d));
      changes.granted += 1;
    } else if (held.status === 'revoked') {
      await regrant(writes, campaignId, participantId, d, held);
      changes.granted += 1;
    } else {
      const set: Partial<RewardGrantDoc> = {};
      // Its vote was voided but another counted one still makes the trigger true: it stands.
      if (held.voteId !== d.voteId) set.voteId = d.voteId;
      // Waiting for a code (the pool was empty): one now, if the pool has one. In the same write
      // as a new vote (until 2026-12-07 a grant moved to another vote waited for the next pass).
      if (held.status === 'unfilled' && held.poolId !== undefined) {
        const code = await writes.claim(held.poolId, held._id);
        if (code !== undefined) {
          Object.assign(set, { status: 'active', code });
          changes.filled += 1;
        }
      }
      if (Object.keys(set).length > 0) await deps.rewards.grants.updateOne({ _id: held._id }, { $set: set });
    }
  }
  for (const g of grants) {
    if (wanted.has(g._id)) continue;
    if (g.status !== 'revoked') {
      // Its status first, then its code back (a pass that dies in between releases it next time).
      // A code the shop already took stays taken, flagged for the host.
      (g.redeemedAt === undefined ? writes.revoked : writes.flagged).push(g._id);
      changes.revoked += 1;
      if (g.status === 'unfilled' && g.poolId !== undefined) writes.freed.add(g.poolId);
    }
    if (g.poolId !== undefined && g.redeemedAt === undefined)
      writes.releases.push({ poolId: g.poolId, grantId: g._id });
  }
}

/** A new grant: points at once; a coupon with a code if the pool has one and has not expired, else unfilled. */
async function newGrant(
  writes: BatchWrites,
  campaignId: string,
  participantId: string,
  d: DesiredGrant,
): Promise<RewardGrantDoc> {
  const base = {
    _id: d.grantId,
    campaignId,
    ruleId: d.ruleId,
    participantId,
    key: d.key,
    voteId: d.voteId,
    grantedAt: writes.now,
  };
  if (d.reward.kind === 'points') return { ...base, status: 'active', points: d.reward.points };
  if (d.reward.kind === 'lottery') return { ...base, status: 'active', lotteryId: d.reward.lotteryId };
  if (d.reward.kind === 'unlock') return { ...base, status: 'active', unlockableId: d.reward.unlockableId };
  const code = await writes.claim(d.reward.poolId, d.grantId);
  if (code === undefined) writes.waiting.add(d.reward.poolId);
  return code === undefined
    ? { ...base, status: 'unfilled', poolId: d.reward.poolId }
    : { ...base, status: 'active', poolId: d.reward.poolId, code };
}

/**
 * A grant revoked before and earned again. A code the shop took before the revocation is its code
 * again, and so is one its holder had seen (retired meanwhile, so no one else's).
 */
async function regrant(
  writes: BatchWrites,
  campaignId: string,
  participantId: string,
  d: DesiredGrant,
  held: RewardGrantDoc,
): Promise<void> {
  const { deps } = writes;
  if (held.redeemedAt !== undefined) {
    await deps.rewards.grants.updateOne(
      { _id: d.grantId },
      {
        $set: { status: 'active', flagged: false, voteId: d.voteId },
        $unset: { revokedAt: 1, revokedBecause: 1 },
      },
    );
    return;
  }
  if (await restoreSeenCode(deps, d, held)) return;
  await deps.rewards.grants.replaceOne(
    { _id: d.grantId },
    await newGrant(writes, campaignId, participantId, d),
  );
}
