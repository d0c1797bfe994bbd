import type { Redis } from 'ioredis';

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

/** Reads Redis's append-only settings (CONFIG GET), never failing. */
export async function readDurability(redis: Redis): Promise<RedisDurability> {
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    if (appendonly !== 'yes') return 'no-aof';
    const [, appendfsync = ''] = (await redis.config('GET', 'appendfsync')) as string[];
    return FSYNC[appendfsync] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
