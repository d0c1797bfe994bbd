import { PERIOD_WINDOWS, type PeriodWindow } from '../protocol/periods.js';
import type { RedisClient } from './connection.js';
import { scanKeys } from './cross-slot.js';
import type { KeyBuilder } from './keys.js';

/**
 * The periods Redis holds a window for, by window, each list sorted, found by SCAN (a recovery
 * tool's read, not a hot path).
 */
export async function listPeriods(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
): Promise<Record<PeriodWindow, string[]>> {
  const k = keys.board(boardId);
  const found = { day: new Set<string>(), week: new Set<string>(), month: new Set<string>() };
  for (const window of PERIOD_WINDOWS) {
    for await (const batch of scanKeys(redis, k.periodTotalsPattern(window))) {
      for (const key of batch) {
        const period = k.periodOfKey(key);
        if (period?.window === window) found[window].add(period.start);
      }
    }
  }
  return { day: [...found.day].sort(), week: [...found.week].sort(), month: [...found.month].sort() };
}
