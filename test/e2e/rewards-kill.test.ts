import { loadConfig } from '@rallyboard/core/config';
import {
  type CouponPoolDoc,
  connectMongo,
  ledgerModel,
  type RewardGrantDoc,
  type RewardRuleDoc,
  rewardModels,
} from '@rallyboard/core/db';
import { couponsLeft } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestHost } from '../../server/test/support/hosts.js';
import { countedActs, desiredGrants } from '../../workers/src/rewards/compute.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testEnv } from '../support/config.js';
import { startProcess } from '../support/processes.js';
import { eventually, seedBoard, startTestServer, type TestServer } from '../support/stack.js';
import { castVote, inParallel } from '../support/votes.js';

// The workers' process killed outright (kill -9) in the middle of a burst of votes on a campaign
// with reward rules, then restarted: once everything has settled, the grants are exactly what the
// rules give for the votes that count, and the coupon stock adds up.
const env = testEnv({
  // Each voter its own address (X-Forwarded-For) and device, as real ones have.
  TRUST_PROXY: 'loopback',
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_CONCURRENCY: '16',
});
const config = loadConfig(env);
let mongo: Connection;
let server: TestServer;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const CANDIDATES = ['alice', 'bob', 'carol', 'dave'];
const VOTERS = 60;
const TOTAL = 3_000;
const CODES = 40;

describe('rewards when the workers are killed mid-burst (kill -9) and restarted', () => {
  it('grant exactly what the rules give for the counted votes, and the stock adds up', async () => {
    const host = await createTestHost(server);
    const campaignId = await seedBoard(config, server.deps.redis, mongo, CANDIDATES);
    // Risk control off: this is about granting exactly once across a kill. With it on, 60 voters
    // casting 50 votes each in a burst get hundreds of cluster holds, whose review jobs take back
    // counted votes minutes after the burst (revocation has tests of its own).
    await createLiveCampaign(mongo, campaignId, {
      candidateIds: CANDIDATES,
      createdBy: host.id,
      risk: { enabled: false },
    });
    const asHost = (path: string, body: unknown) =>
      call<{ id: string }>(server, host.token, 'POST', path, body);
    const pool = await asHost(`/api/campaigns/${campaignId}/coupon-pools`, {
      name: '券',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    const codes = Array.from({ length: CODES }, (_, i) => `KILL-${String(i).padStart(4, '0')}`);
    await asHost(`/api/campaigns/${campaignId}/coupon-pools/${pool.body.id}/codes`, {
      csv: codes.join('\n'),
    });
    for (const rule of [
      { name: '积分', trigger: { kind: 'every-nth', n: 7 }, reward: { kind: 'points', points: 3 } },
      { name: '券', trigger: { kind: 'first-of-day' }, reward: { kind: 'coupon', poolId: pool.body.id } },
    ]) {
      expect((await asHost(`/api/campaigns/${campaignId}/reward-rules`, rule)).status).toBe(201);
    }

    let worker = await startProcess('workers', env, 'workers started');
    let restarted: Promise<void> | undefined;
    let sent = 0;
    await inParallel(TOTAL, 32, async (i) => {
      const v = i % VOTERS;
      const res = await castVote(server, campaignId, CANDIDATES[i % CANDIDATES.length] as string, {
        participantId: `p-kill-${v}`,
        idempotencyKey: `rewards-kill-${i}`,
        headers: { 'x-forwarded-for': `10.${v}.${v % 7}.9`, 'x-device-id': `dev-kill-${v}` },
      });
      expect(res.status).toBe(202);
      if (++sent === Math.floor(TOTAL / 3) && !restarted) {
        restarted = (async () => {
          worker.child.kill('SIGKILL');
          await worker.exited;
          worker = await startProcess('workers', env, 'workers started');
        })();
      }
    });
    await restarted;
    const ledger = ledgerModel(mongo);
    await eventually(
      async () => (await ledger.countDocuments({ boardId: campaignId })) >= TOTAL,
      120_000,
      'every vote decided',
    );
    // Settled: no vote or review job left (a cluster hold may take back counted votes after the
    // last vote was decided, and marks its voters when it does), and no participant marked or
    // pending any more (the rewards pass has worked them all out), twice a second apart: a hold
    // running between two rewards passes leaves the marks empty for a moment.
    const { redis, keys, voteQueue, reviewQueue } = server.deps;
    const idle = async () => {
      const jobs = [
        await voteQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
        await reviewQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
      ].flatMap((counts) => Object.values(counts));
      const marks = (await redis.hlen(keys.rewards.dirty)) + (await redis.hlen(keys.rewards.pending));
      return jobs.every((n) => n === 0) && marks === 0;
    };
    await eventually(
      async () => {
        if (!(await idle())) return false;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return idle();
      },
      120_000,
      'rewards settled',
    );
    worker.child.kill('SIGTERM');
    await worker.exited;

    const models = rewardModels(mongo);
    const rules = await models.rules.find({ campaignId }).sort({ createdAt: 1 }).lean<RewardRuleDoc[]>();
    const pools = new Map(
      (await models.pools.find({ campaignId }).lean<CouponPoolDoc[]>()).map((p) => [p._id, p]),
    );
    const records = await ledger.find({ boardId: campaignId, verdict: 'counted' }).lean();
    let couponGrants = 0;
    let earners = 0;
    for (let v = 0; v < VOTERS; v++) {
      const participantId = `p-kill-${v}`;
      const acts = countedActs(records.filter((r) => r.voterId === participantId));
      if (acts.length > 0) earners += 1;
      const want = desiredGrants(participantId, rules, pools, acts, new Set())
        .map((g) => g.grantId)
        .sort();
      const grants = await models.grants.find({ campaignId, participantId }).lean<RewardGrantDoc[]>();
      const live = grants.filter((g) => g.status !== 'revoked');
      expect(live.map((g) => g._id).sort(), participantId).toEqual(want);
      // The same, without the code under test: 3 points for every 7th counted vote, and one
      // coupon grant (filled or waiting for stock) for the day's first.
      const counted = records.filter((r) => r.voterId === participantId).length;
      expect(live.filter((g) => g.points === 3).length, participantId).toBe(Math.floor(counted / 7));
      expect(live.filter((g) => g.poolId !== undefined).length, participantId).toBe(counted > 0 ? 1 : 0);
      couponGrants += live.filter((g) => g.status === 'active' && g.code !== undefined).length;
    }
    // Every voter with a counted vote earned the day's coupon, while the 40 codes lasted (risk
    // control may hold some voters' votes: they earn nothing).
    expect(earners).toBeGreaterThan(0);
    expect(couponGrants).toBe(Math.min(CODES, earners));
    expect(await couponsLeft(server.deps.redis, server.deps.keys, pool.body.id)).toBe(CODES - couponGrants);
    const handed = (
      await models.grants.find({ campaignId, code: { $exists: true }, status: 'active' }).lean()
    ).map((g) => g.code);
    expect(new Set(handed).size).toBe(couponGrants);
  }, 300_000);
});
