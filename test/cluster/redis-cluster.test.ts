import { randomBytes } from 'node:crypto';
import {
  closeRedis,
  createRedis,
  getEach,
  type RedisClient,
  readDurability,
  scanKeys,
} from '@rallyboard/core/redis';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/config.js';
import { testRedis } from '../support/stack.js';

// Runs in the cluster tier only (vitest.cluster.config.ts): the run's Redis is the local
// Redis Cluster of three masters, named by a list of its nodes.
const config = testConfig();
let redis: RedisClient;
let cluster: Cluster;

beforeAll(async () => {
  redis = await testRedis(config);
  if (!(redis instanceof Cluster))
    throw new Error(`the cluster tier runs on a Redis Cluster, not ${config.redis.url}`);
  cluster = redis;
});
afterAll(async () => {
  await closeRedis(redis);
});

/** Keys under one random prefix, with enough different hash tags to land on every master. */
function spreadKeys(n: number): string[] {
  const prefix = `t${randomBytes(6).toString('hex')}`;
  return Array.from({ length: n }, (_, i) => `${prefix}:{tag${i}}:value`);
}

describe('a Redis Cluster named by a list of its nodes', () => {
  it('is one client over every master', async () => {
    const another = createRedis(config.redis.url, 'command', 'test');
    try {
      expect(another).toBeInstanceOf(Cluster);
    } finally {
      await closeRedis(another);
    }
    expect(cluster.nodes('master')).toHaveLength(3);
  });

  it('finds keys held by every master in one scan', async () => {
    const keys = spreadKeys(30);
    for (const key of keys) await redis.set(key, '1', 'EX', 600);
    const pattern = `${keys[0]?.split(':')[0]}:*`;
    const held = await Promise.all(cluster.nodes('master').map((node) => node.keys(pattern)));
    expect(held.every((onNode) => onNode.length > 0)).toBe(true);

    const found: string[] = [];
    for await (const batch of scanKeys(redis, pattern, 5)) found.push(...batch);
    expect(found.sort()).toEqual([...keys].sort());
  });

  it('reads keys of many slots in order, where one MGET is refused', async () => {
    const keys = spreadKeys(12);
    await Promise.all(keys.map((key, i) => redis.set(key, String(i), 'EX', 600)));
    await expect(redis.mget(...keys)).rejects.toThrow(/CROSSSLOT/);
    const missing = `${keys[0]}-missing`;
    expect(await getEach(redis, [...keys, missing])).toEqual([...keys.map((_, i) => String(i)), null]);
  });

  it("promises what its weakest master promises: one master's everysec makes the cluster everysec", async () => {
    expect(await readDurability(redis)).toBe('fsync-always');
    const [, second] = cluster.nodes('master');
    if (!second) throw new Error('no second master');
    await second.config('SET', 'appendfsync', 'everysec');
    try {
      expect(await readDurability(redis)).toBe('fsync-everysec');
    } finally {
      await second.config('SET', 'appendfsync', 'always');
    }
  });
});
