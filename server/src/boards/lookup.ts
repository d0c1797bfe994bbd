import type { Config } from '@rallyboard/core/config';
import {
  type ArchiveRead,
  type ArchiveSlice,
  archiveModels,
  boardModel,
  campaignModel,
  findArchive,
  memberGroupsOf,
  readArchive,
} from '@rallyboard/core/db';
import { AppError, dayOf, periodStart, type RankWindow, weekStartOf } from '@rallyboard/core/protocol';
import {
  type BoardCache,
  type CachedBoard,
  createBoardCache,
  type KeyBuilder,
  type RedisClient,
  StaleStatusError,
  type WindowRef,
} from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';

/** The server's view of boards: Redis first (cached), the system of record when Redis has lost one. */
export interface BoardLookup {
  /**
   * The board, or BOARD_NOT_FOUND. A board that MongoDB has but Redis lost (until a rebuild)
   * still answers, from MongoDB, so ingest keeps accepting its votes; they wait in the queue.
   */
  require(boardId: string): Promise<CachedBoard>;
  /**
   * Resolves a window to its period: the one containing `day`, or without a day the current one
   * (today, this week, this month) in the board's timezone and week.
   */
  window(boardId: string, window: RankWindow, day?: string): Promise<WindowRef>;
  /** What Redis holds, cached; its `forget` also forgets MongoDB's miss of the board. */
  cache: BoardCache;
  /** A read of an ended period's archive (MongoDB), or undefined when it has none (yet). */
  archived(boardId: string, ref: WindowRef, read: ArchiveRead): Promise<ArchiveSlice | undefined>;
}

export interface BoardLookupDeps {
  config: Pick<Config, 'ingest'>;
  /** The clock that says which period is current. @default Date.now */
  now?: () => number;
  redis: RedisClient;
  keys: KeyBuilder;
  mongo: Connection;
}

export function createBoardLookup(deps: BoardLookupDeps): BoardLookup {
  const ttlMs = deps.config.ingest.boardCacheMs;
  const now = deps.now ?? Date.now;
  const redisCache = createBoardCache(deps.redis, deps.keys, ttlMs);
  const boards = boardModel(deps.mongo);
  const campaigns = campaignModel(deps.mongo);
  const archives = archiveModels(deps.mongo);
  /**
   * MongoDB's answers for boards Redis lacks, while they are read and, for a board MongoDB lacks
   * too, for `ttlMs` after: an unknown board (a typo, a scan, a flood) costs two MongoDB reads
   * per process per cache time instead of two per request. A board created meanwhile is seen
   * within the cache time, at once in the process whose campaign store forgets it (sync).
   */
  const fromMongo = new Map<string, { at: number; value: Promise<CachedBoard | undefined> }>();

  async function readRecord(boardId: string): Promise<CachedBoard | undefined> {
    const [recorded, campaign] = await Promise.all([
      boards.findById(boardId).lean(),
      campaigns.findById(boardId, { status: 1, 'schedule.endAt': 1 }).lean(),
    ]);
    if (!recorded) return undefined;
    // The campaign's status and end too: a paused or ended campaign, or one past its end, must
    // not take votes while Redis has lost its board.
    return {
      title: recorded.title,
      kind: recorded.kind,
      timezone: recorded.timezone,
      weekStartsOn: weekStartOf(recorded),
      dailyRetentionDays: recorded.dailyRetentionDays,
      status: campaign?.status,
      endAt: campaign ? new Date(campaign.schedule.endAt).getTime() : undefined,
      quotas: recorded.quotas ?? {},
      members: new Set(recorded.members.map((m) => m.candidateId)),
      groups: memberGroupsOf(recorded.members),
    };
  }

  function recorded(boardId: string): Promise<CachedBoard | undefined> {
    const now = Date.now();
    const hit = fromMongo.get(boardId);
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = readRecord(boardId);
    fromMongo.set(boardId, { at: now, value });
    // Only a miss is remembered: a board found (Redis lost it) is read again, and so is a failure.
    const drop = () => {
      if (fromMongo.get(boardId)?.value === value) fromMongo.delete(boardId);
    };
    value.then((board) => board && drop(), drop);
    if (fromMongo.size > 10_000) {
      for (const [id, entry] of fromMongo) if (now - entry.at >= ttlMs) fromMongo.delete(id);
    }
    return value;
  }

  async function require(boardId: string): Promise<CachedBoard> {
    const board = (await redisCache.get(boardId)) ?? (await recorded(boardId));
    if (!board) throw new AppError('BOARD_NOT_FOUND');
    return board;
  }

  const cache: BoardCache = {
    get: (boardId) => redisCache.get(boardId),
    forget(boardId) {
      redisCache.forget(boardId);
      fromMongo.delete(boardId);
    },
  };

  return {
    require,
    cache,
    async archived(boardId, ref, read) {
      if (ref.window === 'all') return undefined;
      const archive = await findArchive(archives, boardId, ref.window, ref.day);
      return archive ? readArchive(archives, archive, read) : undefined;
    },
    async window(boardId, window, day) {
      if (window === 'all') return { window: 'all' };
      if (window === 'day' && day) return { window, day };
      const board = await require(boardId);
      const within = day ?? dayOf(now(), board.timezone);
      return { window, day: periodStart(within, window, board.weekStartsOn) };
    },
  };
}

/**
 * Runs a read whose keys were picked from the board cache's status. When the read script finds the
 * status changed since (StaleStatusError: a freeze or its end made by another process, whose reset
 * this process's relay has not handled yet), forgets the cached status and runs the read again,
 * which then picks the keys of the status Redis has: a read must not show a vote counted after a
 * freeze (whose reset comes at a lower seq, dropped by the screen's feed as older), nor the empty
 * copies of a freeze that ended. At most `retries` times (a thaw and a freeze again meanwhile).
 */
export async function withCurrentStatus<T>(
  boards: Pick<BoardLookup, 'cache'>,
  boardId: string,
  read: () => Promise<T>,
  retries = 2,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof StaleStatusError) || retries === 0) throw error;
    boards.cache.forget(boardId);
    return withCurrentStatus(boards, boardId, read, retries - 1);
  }
}
