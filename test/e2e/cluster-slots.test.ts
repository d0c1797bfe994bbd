import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@rallyboard/core/config';
import { connectMongo, ledgerModel, rewardModels } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import {
  closeRedis,
  createRedis,
  type RedisClient,
  releaseCoupon,
  waitForReady,
  withLock,
} from '@rallyboard/core/redis';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, campaignBody, createTestHost } from '../../server/test/support/hosts.js';
import { runRewardPass } from '../../workers/src/rewards/pass.js';
import { runCommand } from '../support/commands.js';
import { testEnv } from '../support/config.js';
import { type OwnRedis, startOwnRedis } from '../support/own-redis.js';
import { eventually, startTestServer, startTestWorker, type TestServer } from '../support/stack.js';
import { castVote } from '../support/votes.js';

// On a Redis Cluster a script may only touch keys of one hash slot. This watches every script a
// campaign's life runs (with MONITOR on the test's Redis) and asks a cluster-enabled Redis which
// slot each of their KEYS falls in (CLUSTER KEYSLOT).
const LUA_DIR = fileURLToPath(new URL('../../packages/core/lua/', import.meta.url));
const env = testEnv();
const config = loadConfig(env);
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let slots: OwnRedis;
let slotsClient: RedisClient;
// MONITOR watches one server: the suite's own Redis, never a cluster.
let watched: Redis;
let monitor: Redis;
/** Each script call of this test's prefix: the script (or `bullmq`) and its KEYS. */
const calls: { script: string; keys: string[] }[] = [];

/** Our scripts by the SHA1 ioredis sends them as (EVALSHA), named after their files. */
const SCRIPTS = new Map(
  readdirSync(LUA_DIR).map((file) => [
    createHash('sha1')
      .update(readFileSync(`${LUA_DIR}${file}`, 'utf8'))
      .digest('hex'),
    file.replace(/-\d+\+?\.lua$/, ''),
  ]),
);

const ESCAPES: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, '\\': 92 };

/**
 * The bytes of an argument as MONITOR prints it (Redis's sdscatrepr: `\n`, `\"`, `\\`, `\xHH`),
 * after ioredis has already turned `\"` back into `"`.
 */
function unrepr(printed: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < printed.length; i++) {
    const c = printed[i] as string;
    const next = printed[i + 1] ?? '';
    if (c === '\\' && next === 'x') {
      bytes.push(Number.parseInt(printed.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c === '\\' && ESCAPES[next] !== undefined) {
      bytes.push(ESCAPES[next] as number);
      i += 1;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

beforeAll(async () => {
  slots = await startOwnRedis('everysec', [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
  ]);
  slotsClient = createRedis(slots.url, 'command', 'test-slots');
  await waitForReady(slotsClient);
  watched = new Redis(config.redis.url, { connectionName: 'rallyboard:test-monitor' });
  monitor = await watched.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const [command = '', script = '', count = '0'] = args;
    if (!/^eval(sha)?$/i.test(command)) return;
    const keys = args.slice(3, 3 + Number(count));
    if (!keys.some((key) => key.includes(config.keyPrefix))) return;
    // EVALSHA names the script by its SHA1; EVAL (ioredis's first call of a script on a
    // connection) sends its body, as MONITOR prints it.
    const sha = /^evalsha$/i.test(command)
      ? script.toLowerCase()
      : createHash('sha1').update(unrepr(script)).digest('hex');
    calls.push({ script: SCRIPTS.get(sha) ?? 'bullmq', keys });
  });
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
}, 60_000);
afterAll(async () => {
  monitor?.disconnect();
  if (watched) await closeRedis(watched);
  await worker?.close();
  await server?.close();
  await mongo?.close();
  if (slotsClient) await closeRedis(slotsClient);
  await slots?.close();
});

describe('every script a campaign runs, on a Redis Cluster', () => {
  it('touches keys of one hash slot per call', async () => {
    const host = await createTestHost(server);
    // Candidates in groups: the group boards' keys are in the calls too.
    const members = [
      { candidateId: 'alice', name: 'Alice', group: '一班' },
      { candidateId: 'bob', name: 'Bob', group: '二班' },
    ];
    const created = await call<{ id: string }>(
      server,
      host.token,
      'POST',
      '/api/campaigns',
      campaignBody({ members }),
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const status of ['scheduled', 'live']) {
      expect((await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status })).status).toBe(
        200,
      );
    }
    // A coupon reward: the rewards pass claims codes (claimCoupon) and settles its marks
    // (settleRewardMarks); a revoked grant's code goes back (releaseCoupon).
    const pool = await call<{ id: string }>(server, host.token, 'POST', `/api/campaigns/${id}/coupon-pools`, {
      name: '券',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    await call(server, host.token, 'POST', `/api/campaigns/${id}/coupon-pools/${pool.body.id}/codes`, {
      csv: 'SLOT-0001\nSLOT-0002',
    });
    // Sent with an Idempotency-Key, as the console sends a create (settleClaim).
    const rule = await fetch(`${server.url}/api/campaigns/${id}/reward-rules`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${host.token}`,
        'content-type': 'application/json',
        'idempotency-key': `slot-rule-${id}`,
      },
      body: JSON.stringify({
        name: '券',
        trigger: { kind: 'first-of-day' },
        reward: { kind: 'coupon', poolId: pool.body.id },
      }),
    });
    expect(rule.status).toBe(201);
    for (let i = 0; i < 6; i++) {
      const res = await castVote(server, id, i % 2 ? 'alice' : 'bob', { participantId: `p-slot-${i}` });
      expect(res.status).toBe(202);
    }
    await eventually(
      async () => {
        const board = await call<{ totals: { votes: number } }>(
          server,
          undefined,
          'GET',
          `/api/boards/${id}/leaderboard`,
        );
        return board.body.totals?.votes === 6;
      },
      10_000,
      'the votes counted',
    );
    const rewardDeps = {
      redis: server.deps.redis,
      keys: server.deps.keys,
      ledger: ledgerModel(mongo),
      rewards: rewardModels(mongo),
      logger: createLogger(config, 'workers', 'test'),
    };
    expect(await runRewardPass(rewardDeps, Date.now() + 60_000)).toBe(6);
    const granted = await rewardModels(mongo)
      .grants.findOne({ campaignId: id, code: { $exists: true } })
      .lean();
    expect(
      await releaseCoupon(server.deps.redis, server.deps.keys, pool.body.id, granted?._id ?? ''),
    ).toMatch(/^SLOT-/);
    // A review chunk longer than a third of its lock's time-to-live renews the lock (extendLock).
    await withLock(
      server.deps.redis,
      server.deps.keys.reviewLock(id),
      () => new Promise((resolve) => setTimeout(resolve, 400)),
      { ttlMs: 300, renew: { forMs: 1_000 } },
    );
    // A candidate moved to another group while live takes its counts with it (setMemberGroup).
    const moved = await call(server, host.token, 'PATCH', `/api/campaigns/${id}/members/alice`, {
      group: '二班',
    });
    expect(moved.status).toBe(200);
    expect(
      (await call(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status: 'frozen' })).status,
    ).toBe(200);
    const rebuilt = await runCommand('workers/src/recovery/cli.ts', ['rebuild', id, '--json'], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const seen = new Set(calls.map((c) => c.script));
    expect([...SCRIPTS.values()].filter((name) => !seen.has(name))).toEqual([]);
    for (const { script, keys } of calls) {
      const found = new Set(await Promise.all(keys.map((key) => slotsClient.cluster('KEYSLOT', key))));
      expect(found.size, `${script}: ${keys.join(' ')}`).toBe(1);
    }
  }, 90_000);
});
