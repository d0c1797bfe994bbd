import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';

// Reads over keys of many hash slots. A Redis Cluster refuses a command whose keys lie in
// different slots (CROSSSLOT) and walks one node per SCAN, so these split the work for it.

/**
 * Every key that matches `match`, a page of about `count` at a time, without blocking Redis
 * (SCAN, never KEYS). SCAN walks one node: on a Redis Cluster each master is walked in turn.
 */
export async function* scanKeys(redis: RedisClient, match: string, count = 1_000): AsyncGenerator<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    for await (const batch of node.scanStream({ match, count })) yield batch as string[];
  }
}

/**
 * The string values of keys that need not share a slot, in order (null: no such key): one MGET
 * on a single Redis, one GET per key, sent together, on a cluster.
 */
export async function getEach(redis: RedisClient, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (redis instanceof Cluster) return Promise.all(keys.map((key) => redis.get(key)));
  return redis.mget(...keys);
}
