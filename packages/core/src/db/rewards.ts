import { createHash, randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import type { AllowedTrigger, RewardSpec } from '../protocol/rewards.js';
import { GRANT_STATUSES } from '../protocol/rewards.js';
import { duplicatesOnly } from './duplicate-key.js';
import { lotteryModels } from './lotteries.js';
import { unlockableModel } from './unlocks.js';

/** A campaign's reward rule (server/src/rewards/): what a counted vote or like earns. */
export interface RewardRuleDoc {
  /** `rr` + 10 base64url characters. */
  _id: string;
  campaignId: string;
  name: string;
  trigger: AllowedTrigger;
  reward: RewardSpec;
  enabled: boolean;
  /** Votes accepted after this earn nothing from the rule. */
  endsAt?: Date | undefined;
  /** A milestone rule: whether its candidate has the count now (the workers keep it, triggers.ts). */
  reached?: boolean | undefined;
  /** An end rule: its campaign's final top candidates, set by the workers when it ended. */
  endTop?: string[] | undefined;
  createdAt: Date;
  createdBy: string;
}

/** A pool of coupon codes a host imported; its stock of free codes lives in Redis (redis/coupons.ts). */
export interface CouponPoolDoc {
  /** `cp` + 10 base64url characters. */
  _id: string;
  campaignId: string;
  name: string;
  perParticipant: number;
  expiresAt: Date;
  createdAt: Date;
}

/** One imported code: `_id` is `<poolId>:<code>`, so a code is in a pool once. */
export interface CouponCodeDoc {
  _id: string;
  poolId: string;
  code: string;
  importedAt: Date;
  /**
   * Withdrawn: the grant that held it was revoked after its holder had been shown it. A code seen
   * is spent: never handed to anyone else (who would find it taken at the shop), and refused there.
   */
  retiredAt?: Date | undefined;
}

export type GrantStatus = (typeof GRANT_STATUSES)[number];

/**
 * One grant: what one rule gave one participant for one trigger. Its id is a hash of the three
 * (grantIdOf), so granting it again (a redelivered job, a second pass) is the same document.
 */
export interface RewardGrantDoc {
  _id: string;
  campaignId: string;
  ruleId: string;
  participantId: string;
  /** The trigger it was earned by: `day:<day>` or `nth:<k>`. */
  key: string;
  /** The counted vote that earned it (the one that made the trigger true). */
  voteId: string;
  status: GrantStatus;
  points?: number | undefined;
  poolId?: string | undefined;
  code?: string | undefined;
  /** When its holder was first shown its code (我的奖励): revoked after it, the code is retired. */
  shownAt?: Date | undefined;
  /** A lottery ticket: the grant's id is the ticket's. */
  lotteryId?: string | undefined;
  /** An unlock: the content item it opens. */
  unlockableId?: string | undefined;
  grantedAt: Date;
  revokedAt?: Date | undefined;
  revokedBecause?: string | undefined;
  /** A coupon the shop took (host's 核销). Revoked after it: kept, and flagged for the host. */
  redeemedAt?: Date | undefined;
  flagged?: boolean | undefined;
}

const triggerSchema = new Schema(
  {
    kind: { type: String, required: true },
    n: { type: Number },
    candidateId: { type: String },
    count: { type: Number },
    top: { type: Number },
  },
  { _id: false },
);
const rewardSchema = new Schema(
  {
    kind: { type: String, required: true },
    points: { type: Number },
    poolId: { type: String },
    lotteryId: { type: String },
    unlockableId: { type: String },
  },
  { _id: false },
);

const ruleSchema = new Schema<RewardRuleDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    name: { type: String, required: true },
    trigger: { type: triggerSchema, required: true },
    reward: { type: rewardSchema, required: true },
    enabled: { type: Boolean, required: true },
    endsAt: { type: Date },
    reached: { type: Boolean },
    endTop: { type: [String], default: undefined },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: 'rewardRules', versionKey: false },
);
ruleSchema.index({ campaignId: 1 });

const poolSchema = new Schema<CouponPoolDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    name: { type: String, required: true },
    perParticipant: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'couponPools', versionKey: false },
);
poolSchema.index({ campaignId: 1 });

const codeSchema = new Schema<CouponCodeDoc>(
  {
    _id: { type: String, required: true },
    poolId: { type: String, required: true },
    code: { type: String, required: true },
    importedAt: { type: Date, required: true },
    retiredAt: { type: Date },
  },
  { collection: 'couponCodes', versionKey: false },
);
codeSchema.index({ poolId: 1 });

const grantSchema = new Schema<RewardGrantDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    ruleId: { type: String, required: true },
    participantId: { type: String, required: true },
    key: { type: String, required: true },
    voteId: { type: String, required: true },
    status: { type: String, required: true, enum: GRANT_STATUSES },
    points: { type: Number },
    poolId: { type: String },
    code: { type: String },
    shownAt: { type: Date },
    lotteryId: { type: String },
    unlockableId: { type: String },
    grantedAt: { type: Date, required: true },
    revokedAt: { type: Date },
    revokedBecause: { type: String },
    redeemedAt: { type: Date },
    flagged: { type: Boolean },
  },
  { collection: 'rewardGrants', versionKey: false },
);
grantSchema.index({ campaignId: 1, participantId: 1 });
grantSchema.index({ poolId: 1, code: 1 });
// Those waiting for a code of a pool, longest first (unfilledHolders).
grantSchema.index({ poolId: 1, status: 1, grantedAt: 1, _id: 1 });

export function rewardModels(connection: Connection) {
  const model = <T>(name: string, schema: Schema<T>) =>
    connection.models[name] ? connection.model<T>(name) : connection.model<T>(name, schema);
  return {
    rules: model('RewardRule', ruleSchema),
    pools: model('CouponPool', poolSchema),
    codes: model('CouponCode', codeSchema),
    grants: model('RewardGrant', grantSchema),
    ...lotteryModels(connection),
    unlockables: unlockableModel(connection),
  };
}
export type RewardModels = ReturnType<typeof rewardModels>;

export const newRewardRuleId = (): string => `rr${randomBytes(8).toString('base64url').slice(0, 10)}`;
export const newCouponPoolId = (): string => `cp${randomBytes(8).toString('base64url').slice(0, 10)}`;

/** Whether a coupon pool's codes have stopped: none is imported, handed out or redeemed past `expiresAt`. */
export const poolExpired = (pool: Pick<CouponPoolDoc, 'expiresAt'>, now: number): boolean =>
  new Date(pool.expiresAt).getTime() <= now;

/** A grant's id: the same rule, participant and trigger always give the same id. */
export const rewardGrantIdOf = (ruleId: string, participantId: string, key: string): string =>
  `g${createHash('sha256').update(`${ruleId}\n${participantId}\n${key}`).digest('base64url').slice(0, 22)}`;

/**
 * Writes new grants; one written already (the same id: a pass run again) is left as it is. Any
 * other failure (a write concern not met, the insert failing as a whole) is thrown, so the pass
 * runs again.
 */
export async function insertRewardGrants(
  models: RewardModels,
  grants: readonly RewardGrantDoc[],
): Promise<void> {
  if (grants.length === 0) return;
  try {
    await models.grants.insertMany(grants, { ordered: false });
  } catch (error) {
    if (duplicatesOnly(error) === undefined) throw error;
  }
}

/**
 * The participants waiting for a code of a pool (their coupon grants unfilled), to be marked when
 * stock comes: the `max` who have waited longest (their grants' order: as many as the pool has
 * codes), or every one of them. (Until 2026-12-07 the first thousand only: an import of 5,000
 * codes for 3,000 waiting filled 1,000, and the others waited for good.)
 */
export async function unfilledHolders(
  models: RewardModels,
  poolId: string,
  max = Number.POSITIVE_INFINITY,
): Promise<{ campaignId: string; participantId: string }[]> {
  if (max <= 0) return [];
  const query = models.grants.find({ poolId, status: 'unfilled' }, { campaignId: 1, participantId: 1 });
  if (Number.isFinite(max)) query.sort({ grantedAt: 1, _id: 1 }).limit(max);
  const grants = await query.lean<Pick<RewardGrantDoc, 'campaignId' | 'participantId'>[]>();
  return grants.map(({ campaignId, participantId }) => ({ campaignId, participantId }));
}

/** A code's record: `<poolId>:<code>`. */
export const couponCodeId = (poolId: string, code: string): string => `${poolId}:${code}`;

/**
 * Marks the codes of the participant's grants about to be listed (`grantIds`, and of those only
 * the active ones) as shown, before they are read to be shown:
 * only a grant still active is marked, so a revocation either comes first (the code is not shown)
 * or finds the mark after its own write (the code is retired, not handed out again).
 */
export async function markCodesShown(
  models: RewardModels,
  filter: { participantId: string; campaignId?: string },
  grantIds: readonly string[],
  at: Date,
): Promise<void> {
  if (grantIds.length === 0) return;
  await models.grants.updateMany(
    {
      ...filter,
      _id: { $in: [...grantIds] },
      status: 'active',
      code: { $exists: true },
      shownAt: { $exists: false },
    },
    { $set: { shownAt: at } },
  );
}

/** Gives a retired code back to the grant whose holder saw it, earned again. */
export async function restoreCouponCode(models: RewardModels, poolId: string, code: string) {
  await models.codes.updateOne({ _id: couponCodeId(poolId, code) }, { $unset: { retiredAt: 1 } });
}

/** Retires a pool's code (once; see CouponCodeDoc.retiredAt). */
export async function retireCouponCode(models: RewardModels, poolId: string, code: string, at: Date) {
  await models.codes.updateOne(
    { _id: couponCodeId(poolId, code), retiredAt: { $exists: false } },
    { $set: { retiredAt: at } },
  );
}
