import type { LedgerState } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import { quotaExpiresAt, scanKeys } from '@rallyboard/core/redis';
import type { RecoveryDeps } from './reconcile.js';

/** The days whose quota counters a rebuild restores: today and yesterday (board timezone). */
export function quotaDays(nowMs: number, timezone: string): string[] {
  return [dayOf(nowMs, timezone), dayOf(nowMs - 86_400_000, timezone)];
}

/**
 * Rewrites a board's quota counters from the ledger: every voter's total, and the day's counts
 * for today and yesterday (board timezone; older days no longer limit anyone), the only days
 * `quotas` holds (readLedgerState keeps the `quotaDays` it is asked for). Counters of a board
 * without quotas are removed.
 */
export async function restoreQuotas(
  deps: Pick<RecoveryDeps, 'redis' | 'keys'>,
  boardId: string,
  quotas: LedgerState['quotas'] | undefined,
  options: { nowMs: number },
): Promise<number> {
  const { redis, keys } = deps;
  const k = keys.board(boardId);
  for await (const batch of scanKeys(redis, k.quotaPattern)) {
    if (batch.length > 0) await redis.del(...batch);
  }
  if (!quotas) return 0;
  const expiresAt = quotaExpiresAt(options.nowMs);
  let written = 0;
  let pipeline = redis.pipeline();
  const flush = async (force = false) => {
    if (force || pipeline.length >= 5_000) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  };
  for (const [voterId, total] of quotas.totals) {
    pipeline.hset(k.quotaTotals, voterId, total);
    written++;
    await flush();
  }
  for (const [day, voters] of quotas.days) {
    for (const [voterId, members] of voters) {
      const key = k.quotaDay(day, voterId);
      const dayCount = [...members.values()].reduce((sum, n) => sum + n, 0);
      pipeline.hset(key, { '*': dayCount, ...Object.fromEntries(members) });
      pipeline.expireat(key, expiresAt);
      written++;
      await flush();
    }
  }
  await flush(true);
  return written;
}
