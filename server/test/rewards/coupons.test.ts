import { rewardModels } from '@rallyboard/core/db';
import type { CouponPoolView, RewardRuleView } from '@rallyboard/core/protocol';
import { claimCoupon, closeRedis, couponsLeft, createKeys, releaseCoupon } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer, testRedis } from '../../../test/support/stack.js';
import { call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/** Coupon pools: importing codes all or nothing, and a stock that never goes below zero. */
const config = testConfig();
let server: TestServer;
let host: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
});

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

async function pool(): Promise<{ campaignId: string; poolId: string }> {
  const campaignId = randomId('c');
  await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id });
  const created = await asHost<CouponPoolView>('POST', `/api/campaigns/${campaignId}/coupon-pools`, {
    name: '满减券',
    expiresAt: '2099-01-01T00:00:00Z',
  });
  return { campaignId, poolId: created.body.id };
}

const stock = async (campaignId: string) =>
  (await asHost<{ pools: CouponPoolView[] }>('GET', `/api/campaigns/${campaignId}/coupon-pools`)).body
    .pools[0]?.stock;

describe('a coupon import', () => {
  it('reports every bad line, malformed, repeated or already imported, and imports nothing', async () => {
    const { campaignId, poolId } = await pool();
    const path = `/api/campaigns/${campaignId}/coupon-pools/${poolId}/codes`;
    expect((await asHost('POST', path, { csv: 'code\r\nOK-0001,首批\n' })).body).toEqual({
      imported: 1,
    });
    const refused = await asHost('POST', path, {
      csv: 'OK-0002\nbad code!\nOK-0003\nOK-0002\nOK-0001\n"OK-0004"\n',
    });
    expect(refused.status).toBe(422);
    expect(codeOf(refused)).toBe('COUPON_IMPORT_INVALID');
    expect((refused.body as { error: { details: unknown } }).error.details).toEqual({
      count: 3,
      lines: [
        { line: 2, code: 'bad code!', problem: 'malformed' },
        { line: 4, code: 'OK-0002', problem: 'duplicate in file' },
        { line: 5, code: 'OK-0001', problem: 'already imported' },
      ],
    });
    expect(await stock(campaignId)).toMatchObject({ total: 1, left: 1 });
    expect(codeOf(await asHost('POST', path, { csv: '\n\n' }))).toBe('COUPON_IMPORT_INVALID');
  });
});

describe('a large import', () => {
  it("keeps the campaign's lock while it runs longer than the lock's life, so a rebuild's restock waits for it", async () => {
    const { campaignId, poolId } = await pool();
    const codes = rewardModels(server.deps.mongo).codes;
    const insert = codes.insertMany.bind(codes);
    // The insert outlasts the lock's 10 s, as a large file's does on a slow store.
    const slow = vi.spyOn(codes, 'insertMany').mockImplementationOnce((async (
      ...args: Parameters<typeof insert>
    ) => {
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      return insert(...args);
    }) as never);
    try {
      const keys = createKeys(config.keyPrefix);
      const importing = asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/codes`, {
        csv: 'SLOW-0001\nSLOW-0002\n',
      });
      await new Promise((resolve) => setTimeout(resolve, 10_500));
      expect(await server.deps.redis.exists(keys.campaignLock(campaignId))).toBe(1);
      expect((await importing).body).toEqual({ imported: 2 });
      expect(await server.deps.redis.exists(keys.campaignLock(campaignId))).toBe(0);
    } finally {
      slow.mockRestore();
    }
  }, 30_000);
});

describe('codes imported into a pool some wait for', () => {
  it('wakes every participant waiting for one, however many, for the rewards pass to fill', async () => {
    const { campaignId, poolId } = await pool();
    const rewards = rewardModels(server.deps.mongo);
    const waiting = Array.from({ length: 1_050 }, (_, i) => `p-wait-${i}-${randomId('x')}`);
    const at = Date.now();
    await rewards.grants.insertMany(
      waiting.map((participantId, i) => ({
        _id: randomId('g'),
        campaignId,
        ruleId: 'rrWAITING0001',
        participantId,
        key: `day:${i}`,
        voteId: randomId('v'),
        status: 'unfilled',
        poolId,
        grantedAt: new Date(at + i),
      })),
    );
    const codes = Array.from({ length: 1_100 }, (_, i) => `W${String(i).padStart(6, '0')}`);
    const imported = await asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/codes`, {
      csv: `${codes.join('\n')}\n`,
    });
    expect(imported.body).toEqual({ imported: 1_100 });
    const keys = createKeys(config.keyPrefix);
    const marked = await server.deps.redis.hkeys(keys.rewards.dirty);
    const woken = new Set(marked.filter((field) => field.includes(campaignId)));
    expect(woken.size).toBe(1_050);
  });
});

describe('an expired pool', () => {
  it('takes no more codes and no new rule, and its rules say it has expired', async () => {
    const { campaignId, poolId } = await pool();
    const rule = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
      name: '领券',
      trigger: { kind: 'first-of-day' },
      reward: { kind: 'coupon', poolId },
    });
    expect(rule.status).toBe(201);
    await rewardModels(server.deps.mongo).pools.updateOne(
      { _id: poolId },
      { $set: { expiresAt: new Date(Date.now() - 1_000) } },
    );
    const imported = await asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/codes`, {
      csv: 'LATE-0001',
    });
    expect(imported.status).toBe(409);
    expect(codeOf(imported)).toBe('COUPON_EXPIRED');
    expect(await stock(campaignId)).toMatchObject({ total: 0, left: 0 });
    const another = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
      name: '再领券',
      trigger: { kind: 'first-of-day' },
      reward: { kind: 'coupon', poolId },
    });
    expect(codeOf(another)).toBe('COUPON_EXPIRED');
    const rules = await call<{ rules: RewardRuleView[] }>(
      server,
      undefined,
      'GET',
      `/api/campaigns/${campaignId}/reward-rules`,
    );
    expect(rules.body.rules.map((r) => r.terms)).toEqual([
      expect.stringMatching(/「满减券」一张（券池已于 .* 过期，不再发放）/),
    ]);
  });
});

describe("a pool's stock", () => {
  it('hands each of its last codes out once to workers racing for them, and never goes below zero', async () => {
    const { campaignId, poolId } = await pool();
    await asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${poolId}/codes`, {
      csv: ['LAST-0001', 'LAST-0002', 'LAST-0003', 'LAST-0004', 'LAST-0005'].join('\n'),
    });
    const keys = createKeys(config.keyPrefix);
    // Eight workers, each its own connection, 60 grants racing for 5 codes.
    const workers = await Promise.all(Array.from({ length: 8 }, () => testRedis(config, 'command')));
    try {
      const claims = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          claimCoupon(workers[i % 8] ?? server.deps.redis, keys, poolId, `g-${i}`),
        ),
      );
      const handed = claims.filter((c) => c !== undefined);
      expect(handed.sort()).toEqual(['LAST-0001', 'LAST-0002', 'LAST-0003', 'LAST-0004', 'LAST-0005']);
      expect(await couponsLeft(server.deps.redis, keys, poolId)).toBe(0);
      // A grant asking again (a redelivered job) gets the code it holds, not another.
      const holder = claims.findIndex((c) => c !== undefined);
      expect(await claimCoupon(server.deps.redis, keys, poolId, `g-${holder}`)).toBe(claims[holder]);
      // A revoked grant's code goes back once, however many times it is released.
      await Promise.all(workers.map((w) => releaseCoupon(w, keys, poolId, `g-${holder}`)));
      expect(await couponsLeft(server.deps.redis, keys, poolId)).toBe(1);
    } finally {
      await Promise.all(workers.map((w) => closeRedis(w)));
    }
  });
});
