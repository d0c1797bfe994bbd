import { type BoardMeta, readBoardMeta } from './board-registry.js';
import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';

export interface CachedBoard extends BoardMeta {
  members: ReadonlySet<string>;
  /** Member id → its group's id, for the members in a group. */
  groups: ReadonlyMap<string, string>;
}

/**
 * What a process knows about boards, read from Redis at most once per `ttlMs` per board, with
 * concurrent misses for one board sharing one read. Advisory only: ingest uses it to turn away
 * what cannot count, and the Lua scripts check again atomically.
 */
export interface BoardCache {
  /** The board, or undefined when Redis does not have it, or has only part of it. */
  get(boardId: string): Promise<CachedBoard | undefined>;
  /** Forgets a board, e.g. after it changed. */
  forget(boardId: string): void;
}

export function createBoardCache(redis: RedisClient, keys: KeyBuilder, ttlMs: number): BoardCache {
  const entries = new Map<string, { at: number; value: Promise<CachedBoard | undefined> }>();

  async function load(boardId: string): Promise<CachedBoard | undefined> {
    const [meta, members, groups] = await Promise.all([
      readBoardMeta(redis, keys, boardId),
      redis.smembers(keys.board(boardId).members),
      redis.hgetall(keys.board(boardId).memberGroups),
    ]);
    // Meta without a members set is a board that lost its state (or is losing it right now):
    // not the board, as the apply script also says (-1). Its record in MongoDB answers instead.
    return meta && members.length > 0
      ? { ...meta, members: new Set(members), groups: new Map(Object.entries(groups)) }
      : undefined;
  }

  return {
    get(boardId) {
      const now = Date.now();
      const hit = entries.get(boardId);
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = load(boardId);
      entries.set(boardId, { at: now, value });
      // A failed read is not remembered.
      value.catch(() => entries.delete(boardId));
      if (entries.size > 10_000) {
        for (const [id, entry] of entries) if (now - entry.at >= ttlMs) entries.delete(id);
      }
      return value;
    },
    forget(boardId) {
      entries.delete(boardId);
    },
  };
}
