/** The rewards part of the key builder (keys.ts). */
export interface RewardKeys {
  /** A coupon pool's stock: its free codes (list) and its claims (hash: grant id → code), one slot. */
  couponPool(poolId: string): { free: string; claims: string };
  /** Set: the campaigns with reward rules, whose counted votes the workers mark for rewards. */
  readonly campaigns: string;
  /** Hash: `<campaignId> <participantId>` → votes since their rewards were last worked out. */
  readonly dirty: string;
  /**
   * Hash: `<campaignId> <participantId>` → when review began moving their votes. Moved into
   * `dirty` once the move is written, or by the rewards pass once old (the move's job died).
   */
  readonly pending: string;
  /** Sorted set: `<campaignId> <ruleId>` of new rules whose campaign's past voters are to be marked. */
  readonly backfill: string;
  /** Hash: campaignId → when the workers first saw it ended (ms): its end rules wait a moment for its last votes. */
  readonly endedSeen: string;
  /** Hash: milestone rule id → since when (ms) its candidate has been under the count (it flips back only after a minute). */
  readonly belowSince: string;
  /** The lock under which a campaign's participants' rewards are worked out (and codes redeemed). */
  lock(campaignId: string): string;
}

export const rewardKeys = (prefix: string): RewardKeys => ({
  couponPool: (poolId) => ({
    free: `${prefix}:coupons:{${poolId}}:free`,
    claims: `${prefix}:coupons:{${poolId}}:claims`,
  }),
  campaigns: `${prefix}:rewards:campaigns`,
  dirty: `${prefix}:rewards:dirty`,
  pending: `${prefix}:rewards:pending`,
  backfill: `${prefix}:rewards:backfill`,
  endedSeen: `${prefix}:rewards:ended-seen`,
  belowSince: `${prefix}:rewards:below-since`,
  lock: (campaignId) => `${prefix}:lock:rewards:${campaignId}`,
});
