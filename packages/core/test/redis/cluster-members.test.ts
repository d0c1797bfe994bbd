import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import { closeRedis, createKeys, type RedisClient, recordClusterMembers } from '../../src/redis/index.js';

const config = testConfig();
let redis: RedisClient;
const keys = createKeys(config.keyPrefix);

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));

const member = (acceptedAt: number, voteId: string, pruneBelow?: number, keepMs = 60_000) => ({
  acceptedAt,
  member: `${voteId} voter=1`,
  pruneBelow,
  keepMs,
});

describe('recordClusterMembers', () => {
  it('adds members in order, each dropping the older ones it prunes, and reads when each cluster was known', async () => {
    const k = keys.board(randomId('board')).risk;
    await redis.zadd(k.clusterKnown('ip:1.2.3.4@c01'), 1_500, '0:first', 9_000, '0:last');
    const stops = await recordClusterMembers(redis, k, 123, [
      {
        cluster: 'ip:1.2.3.4@c01',
        knownFrom: 1_000,
        knownTo: 5_000,
        // A backlog's member (no prune), then a live one whose prune drops members before 1,500.
        members: [member(1_000, 'v-old'), member(2_000, 'v-live', 1_500), member(1_200, 'v-backlog')],
      },
      { cluster: 'device:d1', knownFrom: 0, knownTo: 10_000, members: [member(3_000, 'v-dev')] },
    ]);
    expect(stops).toEqual([[1_500], []]);
    // v-old went with the live member's prune; v-backlog came after it and stays.
    expect(await redis.zrange(k.clusterMembers('ip:1.2.3.4@c01'), '0', '-1')).toEqual([
      'v-backlog voter=1',
      'v-live voter=1',
    ]);
    expect(await redis.zrange(k.clusterMembers('device:d1'), '0', '-1')).toEqual(['v-dev voter=1']);
    expect(await redis.get(k.membersSince)).toBe('123');
    // Set once.
    await recordClusterMembers(redis, k, 456, []);
    expect(await redis.get(k.membersSince)).toBe('123');
  });

  it("keeps a set for its members' longest time, and never shortens it", async () => {
    const k = keys.board(randomId('board')).risk;
    const set = k.clusterMembers('voter:p1');
    const write = (keepMs: number[]) =>
      recordClusterMembers(redis, k, 0, [
        {
          cluster: 'voter:p1',
          knownFrom: 0,
          knownTo: 0,
          members: keepMs.map((ms, i) => member(1_000 + i, `v-${ms}-${i}`, undefined, ms)),
        },
      ]);
    await write([60_000, 600_000]);
    expect(await redis.pttl(set)).toBeGreaterThan(590_000);
    await write([60_000]);
    expect(await redis.pttl(set)).toBeGreaterThan(590_000);
    await write([86_400_000]);
    expect(await redis.pttl(set)).toBeGreaterThan(86_000_000);
  });
});
