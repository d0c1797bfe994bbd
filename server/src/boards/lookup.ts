import type { Config } from '@rallyboard/core/config';
import { boardModel, campaignModel } from '@rallyboard/core/db';
import { AppError, dayOf, type RankWindow } from '@rallyboard/core/protocol';
import type { KeyBuilder } from '@rallyboard/core/redis';
import { type BoardCache, type CachedBoard, createBoardCache, type WindowRef } from '@rallyboard/core/redis';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';

/** The server's view of boards: Redis first (cached), the system of record when Redis has lost one. */
export interface BoardLookup {
  /**
   * The board, or BOARD_NOT_FOUND. A board that MongoDB has but Redis lost (until a rebuild)
   * still answers, from MongoDB, so ingest keeps accepting its votes; they wait in the queue.
   */
  require(boardId: string): Promise<CachedBoard>;
  /** Resolves a window to its keys: `day` without a day means today in the board's timezone. */
  window(boardId: string, window: RankWindow, day?: string): Promise<WindowRef>;
  cache: BoardCache;
}

export interface BoardLookupDeps {
  config: Pick<Config, 'ingest'>;
  redis: Redis;
  keys: KeyBuilder;
  mongo: Connection;
}

export function createBoardLookup(deps: BoardLookupDeps): BoardLookup {
  const cache = createBoardCache(deps.redis, deps.keys, deps.config.ingest.boardCacheMs);
  const boards = boardModel(deps.mongo);
  const campaigns = campaignModel(deps.mongo);

  async function require(boardId: string): Promise<CachedBoard> {
    const cached = await cache.get(boardId);
    if (cached) return cached;
    const [recorded, campaign] = await Promise.all([
      boards.findById(boardId).lean(),
      campaigns.findById(boardId, { status: 1 }).lean(),
    ]);
    if (!recorded) throw new AppError('BOARD_NOT_FOUND');
    // The campaign's status too: a paused or ended campaign must not take votes while Redis
    // has lost its board.
    return {
      title: recorded.title,
      kind: recorded.kind,
      timezone: recorded.timezone,
      dailyRetentionDays: recorded.dailyRetentionDays,
      status: campaign?.status,
      quotas: recorded.quotas ?? {},
      members: new Set(recorded.members.map((m) => m.candidateId)),
    };
  }

  return {
    require,
    cache,
    async window(boardId, window, day) {
      if (window === 'all') return { window: 'all' };
      if (day) return { window: 'day', day };
      const board = await require(boardId);
      return { window: 'day', day: dayOf(Date.now(), board.timezone) };
    },
  };
}
