import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './connection.js';

/**
 * What a write Redis acknowledged survives, as its persistence settings say:
 * - `fsync-always`: a crash of Redis or of the machine (the append-only file is fsynced before
 *   each answer);
 * - `fsync-everysec`: a crash of Redis, not of the machine (up to a second of writes, two when
 *   the disk stalls, are only in the OS's cache);
 * - `fsync-os`: as everysec, with the OS deciding when (`appendfsync no`);
 * - `no-aof`: nothing past the last snapshot;
 * - `unknown`: Redis refused CONFIG GET (managed services often do).
 */
export type RedisDurability = 'fsync-always' | 'fsync-everysec' | 'fsync-os' | 'no-aof' | 'unknown';

const FSYNC: Readonly<Record<string, RedisDurability>> = {
  always: 'fsync-always',
  everysec: 'fsync-everysec',
  no: 'fsync-os',
};

/** Weakest first: what a cluster promises is what its weakest master promises. */
const WEAKEST_FIRST: readonly RedisDurability[] = [
  'unknown',
  'no-aof',
  'fsync-os',
  'fsync-everysec',
  'fsync-always',
];

/**
 * Reads Redis's append-only settings (CONFIG GET), never failing. On a Redis Cluster each
 * master holds its own slots' writes: the answer is the weakest master's.
 */
export async function readDurability(redis: RedisClient): Promise<RedisDurability> {
  if (!(redis instanceof Cluster)) return readNode(redis);
  const each = await Promise.all(redis.nodes('master').map(readNode));
  if (each.length === 0) return 'unknown';
  return WEAKEST_FIRST.find((level) => each.includes(level)) ?? 'unknown';
}

async function readNode(redis: Redis): Promise<RedisDurability> {
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    if (appendonly !== 'yes') return 'no-aof';
    const [, appendfsync = ''] = (await redis.config('GET', 'appendfsync')) as string[];
    return FSYNC[appendfsync] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
