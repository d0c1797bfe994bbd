import {
  type CampaignDoc,
  type CouponCodeDoc,
  type CouponPoolDoc,
  couponCodeId,
  newCouponPoolId,
  poolExpired,
  type RewardGrantDoc,
  unfilledHolders,
} from '@rallyboard/core/db';
import {
  AppError,
  COUPON_CODE,
  type CouponPoolInput,
  type CouponPoolView,
  refuseShareWords,
} from '@rallyboard/core/protocol';
import {
  couponsLeft,
  forgetCouponClaim,
  type KeyBuilder,
  markRewards,
  stockCoupons,
  withLock,
} from '@rallyboard/core/redis';
import { auditRewards, type RewardRuleDeps } from './rules.js';

export interface CouponDeps extends RewardRuleDeps {
  keys: RewardRuleDeps['keys'] & Pick<KeyBuilder, 'campaignLock' | 'rewards'>;
}
type Actor = { host: import('../hosts/principal.js').HostPrincipal; ip: string };

/** A problem line of a coupon file: where, what it said, and why it was refused. */
interface BadLine {
  line: number;
  code: string;
  problem: 'malformed' | 'duplicate in file' | 'already imported';
}

/** At most this many bad lines are listed (the count says how many there were). */
const LISTED = 100;

export async function createPool(
  deps: CouponDeps,
  actor: Actor,
  campaign: CampaignDoc,
  body: CouponPoolInput,
): Promise<CouponPoolDoc> {
  refuseShareWords({ 'body.name': body.name });
  if (Date.parse(body.expiresAt) <= deps.now()) {
    throw new AppError('INVALID_INPUT', { details: [{ path: 'body.expiresAt', message: 'must be ahead' }] });
  }
  const pool: CouponPoolDoc = {
    _id: newCouponPoolId(),
    campaignId: campaign._id,
    name: body.name,
    perParticipant: body.perParticipant,
    expiresAt: new Date(body.expiresAt),
    createdAt: new Date(deps.now()),
  };
  await deps.rewards.pools.create(pool);
  await auditRewards(deps, actor, campaign._id, 'rewards.pool', {
    before: null,
    after: { id: pool._id, name: pool.name, perParticipant: pool.perParticipant, expiresAt: body.expiresAt },
  });
  return pool;
}

async function poolOf(deps: CouponDeps, campaign: CampaignDoc, poolId: string): Promise<CouponPoolDoc> {
  const pool = await deps.rewards.pools
    .findOne({ _id: poolId, campaignId: campaign._id })
    .lean<CouponPoolDoc>();
  if (!pool) throw new AppError('COUPON_POOL_NOT_FOUND');
  return pool;
}

/** The codes of a CSV: one per line, its first column, an optional `code` header, blank lines skipped. */
function codesOf(csv: string): { line: number; code: string }[] {
  return csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, code: (text.split(',')[0] ?? '').trim().replace(/^"(.*)"$/, '$1') }))
    .filter(({ line, code }) => code !== '' && !(line === 1 && code.toLowerCase() === 'code'));
}

/**
 * Imports a CSV of codes into a pool: all of it, or nothing. A malformed code, a code twice in
 * the file or one the pool has already answers COUPON_IMPORT_INVALID listing the lines. Under the
 * campaign's lock, so two imports cannot both take the same new code.
 */
export async function importCodes(
  deps: CouponDeps,
  actor: Actor,
  campaign: CampaignDoc,
  poolId: string,
  csv: string,
): Promise<{ imported: number }> {
  const pool = await poolOf(deps, campaign, poolId);
  if (poolExpired(pool, deps.now())) throw new AppError('COUPON_EXPIRED');
  // Renewed while the import runs: a large file's reads, insert and stocking outlast the lock's
  // 10 s, and a rebuild's restock taking the lock then would stock what the import stocks after it
  // (until 2026-12-07 a code could be free twice so).
  return withLock(
    deps.redis,
    deps.keys.campaignLock(campaign._id),
    async () => {
      const lines = codesOf(csv);
      const bad: BadLine[] = [];
      const seen = new Set<string>();
      for (const { line, code } of lines) {
        if (!COUPON_CODE.test(code)) bad.push({ line, code: code.slice(0, 80), problem: 'malformed' });
        else if (seen.has(code)) bad.push({ line, code, problem: 'duplicate in file' });
        seen.add(code);
      }
      const existing = await deps.rewards.codes
        .find({ _id: { $in: [...seen].map((c) => couponCodeId(pool._id, c)) } }, { code: 1 })
        .lean();
      const had = new Set(existing.map((c) => c.code));
      for (const { line, code } of lines)
        if (had.has(code)) bad.push({ line, code, problem: 'already imported' });
      if (lines.length === 0) bad.push({ line: 1, code: '', problem: 'malformed' });
      if (bad.length > 0) {
        bad.sort((a, b) => a.line - b.line);
        throw new AppError('COUPON_IMPORT_INVALID', {
          details: { count: bad.length, lines: bad.slice(0, LISTED) },
        });
      }
      const importedAt = new Date(deps.now());
      const codes = lines.map((l) => l.code);
      await deps.rewards.codes.insertMany(
        codes.map((code) => ({ _id: couponCodeId(pool._id, code), poolId: pool._id, code, importedAt })),
        { ordered: false },
      );
      await stockCoupons(deps.redis, deps.keys, pool._id, codes);
      // Those who earned a code while the pool was empty get one now (the rewards pass), as many
      // as it has codes, those who waited longest first; a code one of them no longer takes wakes
      // the next when the pass revokes their grant.
      const left = await couponsLeft(deps.redis, deps.keys, pool._id);
      await markRewards(deps.redis, deps.keys, await unfilledHolders(deps.rewards, pool._id, left));
      await auditRewards(deps, actor, campaign._id, 'rewards.import', {
        before: null,
        after: { poolId: pool._id, imported: codes.length },
      });
      return { imported: codes.length };
    },
    // Renewed for a minute at most: the rebuild's restore waits that long for the lock.
    { ttlMs: 10_000, waitMs: 5_000, renew: { forMs: 60_000 } },
  );
}

/** A campaign's pools with their stock: imported, left, handed out, redeemed, flagged. */
export async function poolViews(deps: CouponDeps, campaignId: string): Promise<CouponPoolView[]> {
  const pools = await deps.rewards.pools.find({ campaignId }).sort({ createdAt: 1 }).lean<CouponPoolDoc[]>();
  return Promise.all(
    pools.map(async (pool) => {
      const [total, left, granted, redeemed, flagged, retired] = await Promise.all([
        deps.rewards.codes.countDocuments({ poolId: pool._id }),
        couponsLeft(deps.redis, deps.keys, pool._id),
        deps.rewards.grants.countDocuments({ poolId: pool._id, status: 'active' }),
        deps.rewards.grants.countDocuments({ poolId: pool._id, redeemedAt: { $exists: true } }),
        deps.rewards.grants.countDocuments({ poolId: pool._id, flagged: true }),
        deps.rewards.codes.countDocuments({ poolId: pool._id, retiredAt: { $exists: true } }),
      ]);
      return {
        id: pool._id,
        name: pool.name,
        perParticipant: pool.perParticipant,
        expiresAt: new Date(pool.expiresAt).toISOString(),
        stock: { total, left, granted, redeemed, flagged, retired },
      };
    }),
  );
}

/**
 * The shop took a code (核销): its grant is marked redeemed, under the campaign's rewards lock
 * so a revocation running at once sees it. Once the pool has expired a code is refused
 * (COUPON_EXPIRED), though asking again for one redeemed in time still answers that it was. A
 * redeemed code never goes back to the pool; if its vote is voided later, the grant is flagged
 * for the host instead. A retired code (its grant revoked after its holder saw it) is refused
 * (COUPON_RETIRED): whoever shows it no longer holds it.
 */
export async function redeemCode(
  deps: CouponDeps,
  actor: Actor,
  campaign: CampaignDoc,
  poolId: string,
  code: string,
): Promise<void> {
  const pool = await poolOf(deps, campaign, poolId);
  const holder = await deps.rewards.grants
    .findOne({ poolId: pool._id, code, status: 'active' })
    .lean<RewardGrantDoc>();
  /** Why no one holds the code: it was retired, or never handed out. */
  const unheld = async () => {
    const record = await deps.rewards.codes.findById(couponCodeId(pool._id, code)).lean<CouponCodeDoc>();
    return new AppError(record?.retiredAt === undefined ? 'COUPON_NOT_GRANTED' : 'COUPON_RETIRED');
  };
  if (!holder) throw await unheld();
  await withLock(deps.redis, deps.keys.rewards.lock(campaign._id), async () => {
    const grant = await deps.rewards.grants.findById(holder._id).lean<RewardGrantDoc>();
    if (grant?.status !== 'active' || grant.code !== code) throw await unheld();
    if (grant.redeemedAt !== undefined) return;
    if (poolExpired(pool, deps.now())) throw new AppError('COUPON_EXPIRED');
    const redeemedAt = new Date(deps.now());
    const taken = await deps.rewards.grants.updateOne(
      { _id: grant._id, status: 'active', code, redeemedAt: { $exists: false } },
      { $set: { redeemedAt } },
    );
    if (taken.modifiedCount !== 1) throw new AppError('COUPON_NOT_GRANTED');
    await forgetCouponClaim(deps.redis, deps.keys, pool._id, grant._id);
    await auditRewards(deps, actor, campaign._id, 'rewards.redeem', {
      before: { code, redeemedAt: null },
      after: { code, redeemedAt: redeemedAt.toISOString(), participantId: grant.participantId },
    });
  });
}
