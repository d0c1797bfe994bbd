/**
 * How a member's count and its tie-break share one sorted-set score.
 *
 * A sorted set orders by one double. We store
 *
 *     key = seq − count × 2^SEQ_BITS
 *
 * where `count` is the member's score in that window and `seq` is the board's change sequence
 * number at the change that brought the member to that count. Sorted ascending (ZRANGE, ZRANK),
 * keys order by count, highest first; then, among equal counts, by who reached that count first
 * (smaller seq); then, among members that never changed (seq 0), by member id, Redis's own order
 * for equal scores. Every part is a number Redis keeps exactly, so the order is the same after a
 * restart and after a rebuild from the ledger, which records each change's seq.
 *
 * Limits, from the 53 bits a double holds exactly:
 * - seq < 2^28 (268,435,455 changes per board over its whole life; registration uses none);
 * - |count| < 2^25 (33,554,431 per member per window).
 * No limit on time: the tie-break is an order, not a clock, so a campaign can last any length.
 * The Lua scripts refuse a change that would pass either limit (`BOARD_FULL`, `SCORE_LIMIT`).
 */
const SEQ_BITS = 28;
export const SEQ_SPAN = 2 ** SEQ_BITS;
/** The largest seq a change may take. */
export const MAX_SEQ = SEQ_SPAN - 1;
/** The largest count (and, for a daily like window, the most negative) a member may reach. */
export const MAX_COUNT = 2 ** (53 - SEQ_BITS) - 1;

export interface DecodedScore {
  count: number;
  /** The seq of the change that brought the member to `count`; 0 if it never changed. */
  seq: number;
}

export function encodeScore(count: number, seq: number): number {
  if (!Number.isSafeInteger(count) || Math.abs(count) > MAX_COUNT) {
    throw new RangeError(`count ${count} is outside ±${MAX_COUNT}`);
  }
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQ) {
    throw new RangeError(`seq ${seq} is outside 0..${MAX_SEQ}`);
  }
  return seq - count * SEQ_SPAN;
}

export function decodeScore(key: number): DecodedScore {
  const count = -Math.floor(key / SEQ_SPAN);
  return { count: count === 0 ? 0 : count, seq: key + count * SEQ_SPAN };
}
