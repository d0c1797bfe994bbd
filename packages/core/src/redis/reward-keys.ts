/** The rewards part of the key builder (keys.ts). */
export interface RewardKeys {
  /** A coupon pool's stock: its free codes (list) and its claims (hash: grant id → code), one slot. */
  couponPool(poolId: string): { free: string; claims: string };
  /** Set: the campaigns with reward rules, whose counted votes the workers mark for rewards. */
  readonly campaigns: string;
  /** Hash: `<campaignId> <participantId>` → votes since their rewards were last worked out. */
  readonly dirty: string;
  /** Sorted set: campaigns whose past voters are to be marked (a new rule), scored by when asked. */
  readonly backfill: string;
  /** The lock under which one participant's rewards in one campaign are worked out. */
  lock(campaignId: string, participantId: string): string;
}

export const rewardKeys = (prefix: string): RewardKeys => ({
  couponPool: (poolId) => ({
    free: `${prefix}:coupons:{${poolId}}:free`,
    claims: `${prefix}:coupons:{${poolId}}:claims`,
  }),
  campaigns: `${prefix}:rewards:campaigns`,
  dirty: `${prefix}:rewards:dirty`,
  backfill: `${prefix}:rewards:backfill`,
  lock: (campaignId, participantId) => `${prefix}:lock:rewards:${campaignId}:${participantId}`,
});
