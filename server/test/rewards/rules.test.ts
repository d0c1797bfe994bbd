import { auditModel, campaignModel, ledgerModel, rewardModels } from '@rallyboard/core/db';
import type { CouponPoolView, RewardRuleView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { rewardPass } from '../../../test/support/rewards.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/** Reward rules over the API: what may trigger a reward, and what the public reads of them. */
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

async function live(): Promise<string> {
  const campaignId = randomId('c');
  await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id });
  return campaignId;
}

const points = { name: '投票积分', trigger: { kind: 'first-of-day' }, reward: { kind: 'points', points: 5 } };

describe('a reward rule', () => {
  it('is refused, citing the platform rule, when a share, invite, referral, payment, purchase or gift triggers it', async () => {
    const campaignId = await live();
    for (const kind of ['share', 'invite', 'referral', 'payment', 'purchase', 'gift']) {
      const refused = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
        ...points,
        trigger: { kind, friends: 3 },
      });
      expect(refused.status, kind).toBe(422);
      expect(codeOf(refused), kind).toBe('REWARD_TRIGGER_FORBIDDEN');
      expect(JSON.stringify(refused.body), kind).toMatch(/微信小程序平台运营规范/);
    }
    const rules = await call<{ rules: unknown[] }>(
      server,
      undefined,
      'GET',
      `/api/campaigns/${campaignId}/reward-rules`,
    );
    expect(rules.body.rules).toEqual([]);
  });

  it('is refused when its name asks for shares or invitations, as a milestone for friends would be', async () => {
    const campaignId = await live();
    const milestone = { kind: 'milestone', candidateId: 'alice', count: 1_000 };
    for (const name of [
      '邀请好友助力，满1000票全员得券',
      '转发到群里一起领券',
      'Share to win',
      '邀請朋友',
      'ｓｈａｒｅ',
      '转\u200B发',
      '转·发',
      'share2win',
      '分享给好友得券',
    ]) {
      const refused = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
        ...points,
        name,
        trigger: milestone,
      });
      expect(refused.status, name).toBe(422);
      expect(codeOf(refused), name).toBe('REWARD_TRIGGER_FORBIDDEN');
      expect(JSON.stringify(refused.body), name).toMatch(/诱导分享/);
    }
    const taken = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, {
      ...points,
      name: '满1000票支持者得券',
      trigger: milestone,
    });
    expect(taken.status).toBe(201);
    // Latin words whole: a preferred or friendly name is no invitation.
    for (const name of [
      'Preferred supporters',
      'A friendly prize',
      '小朋友专享',
      '积分享好礼',
      '邀请赛冠军',
      '美好友谊',
    ]) {
      const fine = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, { ...points, name });
      expect(fine.status, name).toBe(201);
    }
    // Nor may a coupon pool's name, nor a lottery's.
    const pool = await asHost('POST', `/api/campaigns/${campaignId}/coupon-pools`, {
      name: '邀请好友券',
      perParticipant: 1,
      expiresAt: '2099-06-30T00:00:00Z',
    });
    expect(codeOf(pool)).toBe('REWARD_TRIGGER_FORBIDDEN');
  });

  it('is refused on a candidate whose name asks for shares: its terms print that name', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(server.deps.mongo, campaignId, {
      createdBy: host.id,
      members: [
        { candidateId: 'alice', name: '转发拉票冲千票' },
        { candidateId: 'bob', name: 'Bob' },
      ],
    });
    const milestone = (candidateId: string) => ({
      ...points,
      name: '满1000票支持者得积分',
      trigger: { kind: 'milestone', candidateId, count: 1_000 },
    });
    const refused = await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, milestone('alice'));
    expect(refused.status).toBe(422);
    expect(codeOf(refused)).toBe('REWARD_TRIGGER_FORBIDDEN');
    expect(JSON.stringify(refused.body)).toMatch(/candidate\.name/);
    expect((await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, milestone('bob'))).status).toBe(
      201,
    );
    // Renamed since, the terms do not print the name.
    await campaignModel(server.deps.mongo).updateOne(
      { _id: campaignId },
      { $set: { 'members.1.name': '邀请好友帮投' } },
    );
    const rules = await call<{ rules: RewardRuleView[] }>(
      server,
      undefined,
      'GET',
      `/api/campaigns/${campaignId}/reward-rules`,
    );
    const terms = JSON.stringify(rules.body.rules);
    expect(terms).not.toMatch(/邀请好友帮投/);
    expect(rules.body.rules).toHaveLength(1);
  });

  it('takes counted-vote triggers, is audited, and shows its complete terms to anyone', async () => {
    const campaignId = await live();
    const pool = await asHost<CouponPoolView>('POST', `/api/campaigns/${campaignId}/coupon-pools`, {
      name: '奶茶券',
      perParticipant: 2,
      expiresAt: '2099-06-30T00:00:00Z',
    });
    await asHost('POST', `/api/campaigns/${campaignId}/coupon-pools/${pool.body.id}/codes`, {
      csv: 'A-0001\nA-0002',
    });
    const created = await asHost<RewardRuleView>('POST', `/api/campaigns/${campaignId}/reward-rules`, {
      name: '集票领券',
      trigger: { kind: 'every-nth', n: 3 },
      reward: { kind: 'coupon', poolId: pool.body.id },
      endsAt: '2099-01-01T00:00:00Z',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ enabled: true, stockLeft: 2, trigger: { kind: 'every-nth', n: 3 } });
    const publicRules = await call<{ rules: RewardRuleView[] }>(
      server,
      undefined,
      'GET',
      `/api/campaigns/${campaignId}/reward-rules`,
    );
    const [terms] = publicRules.body.rules.map((r) => r.terms);
    expect(terms).toContain('每累计 3 次有效投票');
    // Deadlines in the campaign's local time (Asia/Shanghai), not UTC.
    expect(terms).toContain(
      '「奶茶券」一张（每人最多 2 张，剩余 2 张，2099-06-30 08:00（北京时间） 前有效）',
    );
    expect(terms).toContain('，2099-01-01 08:00（北京时间） 前的投票有效');
    expect(terms).toContain('与分享、邀请无关');
    const audit = await auditModel(server.deps.mongo).findOne({ campaignId, action: 'rewards.rule' }).lean();
    expect(audit?.actor.hostId).toBe(host.id);

    const paused = await asHost<{ rules: RewardRuleView[] }>(
      'PATCH',
      `/api/campaigns/${campaignId}/reward-rules/${created.body.id}`,
      { enabled: false },
    );
    expect(paused.body.rules[0]?.enabled).toBe(false);
  });

  it('needs a pool of its own campaign, and valid numbers', async () => {
    const [one, other] = [await live(), await live()];
    const pool = await asHost<CouponPoolView>('POST', `/api/campaigns/${other}/coupon-pools`, {
      name: '别家的券',
      expiresAt: '2099-01-01T00:00:00Z',
    });
    const foreign = await asHost('POST', `/api/campaigns/${one}/reward-rules`, {
      ...points,
      reward: { kind: 'coupon', poolId: pool.body.id },
    });
    expect(codeOf(foreign)).toBe('COUPON_POOL_NOT_FOUND');
    for (const trigger of [
      { kind: 'every-nth', n: 0 },
      { kind: 'every-nth' },
      { kind: 'first-of-day', n: 2 },
    ]) {
      const bad = await asHost('POST', `/api/campaigns/${one}/reward-rules`, { ...points, trigger });
      expect(bad.status, JSON.stringify(trigger)).toBe(400);
    }
  });

  it('is not readable on a draft, and not writable on an ended campaign', async () => {
    const draft = await asHost<{ id: string }>('POST', '/api/campaigns', campaignBody());
    const hidden = await call(server, undefined, 'GET', `/api/campaigns/${draft.body.id}/reward-rules`);
    expect(codeOf(hidden)).toBe('CAMPAIGN_NOT_FOUND');
    const ended = randomId('c');
    await createLiveCampaign(server.deps.mongo, ended, { createdBy: host.id, status: 'ended' });
    expect(codeOf(await asHost('POST', `/api/campaigns/${ended}/reward-rules`, points))).toBe(
      'CAMPAIGN_NOT_EDITABLE',
    );
  });
});

describe('a rule added to a live campaign', () => {
  it('rewards the votes cast before it, even when saving it takes longer than its backfill waits', async () => {
    const campaignId = await live();
    const earlier = randomId('p-early');
    // A vote counted before the campaign had any rule: the workers marked nobody for it.
    await ledgerModel(server.deps.mongo).collection.insertOne({
      _id: randomId('v'),
      boardId: campaignId,
      candidateId: 'alice',
      action: 'vote',
      voterId: earlier,
      verdict: 'counted',
      delta: 1,
      seq: 1,
      day: '2026-12-07',
      acceptedAt: new Date(),
      decidedAt: new Date(),
    } as never);
    // The workers' passes, each as if the backfill's few seconds had passed.
    const pass = () => rewardPass(server, server.deps.mongo, config);
    const { rules, grants } = rewardModels(server.deps.mongo);
    const save = rules.create.bind(rules);
    // Saving the rule stalls (a slow store) past the backfill's wait: the workers' passes run meanwhile.
    const slow = vi.spyOn(rules, 'create').mockImplementation((async (...args: Parameters<typeof save>) => {
      await pass();
      await pass();
      return save(...args);
    }) as never);
    try {
      expect((await asHost('POST', `/api/campaigns/${campaignId}/reward-rules`, points)).status).toBe(201);
    } finally {
      slow.mockRestore();
    }
    await pass();
    await pass();
    const earned = await grants.find({ campaignId, participantId: earlier }).lean();
    expect(earned.map((g) => ({ status: g.status, points: g.points }))).toEqual([
      { status: 'active', points: 5 },
    ]);
  });
});
