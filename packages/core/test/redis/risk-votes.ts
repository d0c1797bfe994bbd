// What the risk-store tests share: Redis, and votes to measure with the real script.
import { afterAll, beforeAll } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { RedisClient } from '../../src/redis/connection.js';
import { assessVotes, closeRedis, createKeys, type VoteToAssess } from '../../src/redis/index.js';
import { networksOf } from '../../src/risk/network.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
/** The tests' clock: votes are `at` ms after it, a minute's start. */
export const T0 = Date.UTC(2026, 0, 5, 12);

/** A test file's Redis (connected before its tests, closed after) and its measuring. */
export function useRiskStore() {
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await testRedis(config);
  });
  afterAll(() => closeRedis(redis));
  return {
    measure: (boardId: string, votes: VoteToAssess[]) =>
      assessVotes(redis, keys, boardId, votes, { ttlSeconds: 600, fastTapMs: 1_000 }),
    /** How long the voter's history is kept (ms), or gives it `ms` left, as if its days had nearly passed. */
    voterTtl: async (boardId: string, voterId: string, ms?: number) => {
      const key = keys.board(boardId).risk.voter(voterId);
      if (ms !== undefined) await redis.pexpire(key, ms);
      return redis.pttl(key);
    },
    /** How long each of the board's dashboard tallies is kept (ms): /16s, /24s, IPs, devices, fingerprints. */
    talliesTtl: async (boardId: string) => {
      const r = keys.board(boardId).risk;
      return Promise.all(
        [r.net16, r.net24, r.ips, r.deviceAccounts, r.fingerprintAccounts].map((key) => redis.pttl(key)),
      );
    },
    /** Writes fields of a voter's hash as an older build left them. */
    voterAsLeft: async (boardId: string, voterId: string, fields: Record<string, string>) => {
      await redis.hset(keys.board(boardId).risk.voter(voterId), fields);
    },
    /** The minutes (epoch minutes) a candidate's risk hash still keeps votes of. */
    candidateMinutes: async (boardId: string, candidateId: string) =>
      (await redis.hkeys(keys.board(boardId).risk.candidate(candidateId)))
        .filter((field) => field.startsWith('v:'))
        .map((field) => Number(field.slice(2)))
        .sort((a, b) => a - b),
    /** The board's tallies of votes per /16, /24 and address, as the console reads them. */
    tallies: async (boardId: string) => {
      const r = keys.board(boardId).risk;
      return {
        net16: await redis.hgetall(r.net16),
        net24: await redis.zrange(r.net24, '0', '-1', 'WITHSCORES'),
        ips: await redis.zrange(r.ips, '0', '-1', 'WITHSCORES'),
      };
    },
  };
}

/** A vote for alice `at` ms after T0, from a random address and a device of its own. */
export function vote(voterId: string, at: number, over: Partial<VoteToAssess> = {}): VoteToAssess {
  const ip = over.ip ?? `198.51.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const { net24, net16 } = networksOf(ip);
  return {
    voteId: randomId('v'),
    voterId,
    acceptedAt: T0 + at,
    candidateId: 'alice',
    ip,
    net24,
    net16,
    deviceId: randomId('dev'),
    fingerprint: 'f'.repeat(64),
    dwellMs: 5_000,
    wechatRiskRank: 0,
    ...over,
  };
}
