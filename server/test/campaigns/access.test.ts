import { campaignModel } from '@rallyboard/core/db';
import type { CampaignPage, CampaignView, ErrorBody } from '@rallyboard/core/protocol';
import { readMembers } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let owner: TestHost;
let stranger: TestHost;
let admin: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  [owner, stranger, admin] = await Promise.all([
    createTestHost(server),
    createTestHost(server),
    createTestHost(server, 'admin'),
  ]);
});
afterAll(async () => {
  await server.close();
});

async function create(as: TestHost): Promise<CampaignView> {
  const answer = await call<CampaignView>(server, as.token, 'POST', '/api/campaigns', campaignBody());
  expect(answer.status).toBe(201);
  return answer.body;
}

/** Every host route on one campaign, with a body that would be valid for its owner. */
const routesOn = (id: string): [string, string, unknown?][] => [
  ['GET', `/api/campaigns/${id}`],
  ['PATCH', `/api/campaigns/${id}`, { title: 'Taken over' }],
  ['DELETE', `/api/campaigns/${id}`],
  ['POST', `/api/campaigns/${id}/status`, { status: 'scheduled' }],
  ['POST', `/api/campaigns/${id}/members`, { candidateId: 'mallory', name: 'Mallory' }],
  ['PATCH', `/api/campaigns/${id}/members/alice`, { name: 'Not Alice' }],
  ['DELETE', `/api/campaigns/${id}/members/alice`],
  ['GET', `/api/campaigns/${id}/audit`],
  ['GET', `/api/campaigns/${id}/leaderboard`],
  ['GET', `/api/campaigns/${id}/review/held`],
  ['POST', `/api/campaigns/${id}/review`, { decision: 'void', select: { voteIds: ['r-none-00001'] } }],
  [
    'POST',
    `/api/campaigns/${id}/review/void-by-rule`,
    { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', candidateId: 'alice' },
  ],
  ['GET', `/api/campaigns/${id}/review/actions/1`],
  ['GET', `/api/campaigns/${id}/alerts`],
  ['GET', `/api/campaigns/${id}/risk/dashboard`],
  ['GET', `/api/campaigns/${id}/risk/settings`],
  ['PATCH', `/api/campaigns/${id}/risk/settings`, { enabled: false }],
  ['POST', `/api/campaigns/${id}/screen-token`],
  ['POST', `/api/campaigns/${id}/screen-token/revoke`],
  ['POST', `/api/campaigns/${id}/reveal`],
  ['PUT', `/api/campaigns/${id}/screen`, { window: 'day' }],
  ['GET', `/api/campaigns/${id}/monitor`],
  ['GET', `/api/campaigns/${id}/notifications`],
  [
    'PUT',
    `/api/campaigns/${id}/entry-settings`,
    { opensAt: '2026-01-01T00:00:00Z', closesAt: '2099-01-01T00:00:00Z' },
  ],
  ['GET', `/api/campaigns/${id}/entries`],
  [
    'POST',
    `/api/campaigns/${id}/entries/decisions`,
    { entryIds: ['eAAAAAAAAAAAAAAAA'], decision: 'approve' },
  ],
  ['POST', `/api/campaigns/${id}/suggestions/eAAAAAAAAAAAAAAAA/progress`, { status: 'under-study' }],
  ['GET', `/api/campaigns/${id}/coupon-pools`],
  ['POST', `/api/campaigns/${id}/coupon-pools`, { name: '券', expiresAt: '2099-01-01T00:00:00Z' }],
  ['POST', `/api/campaigns/${id}/coupon-pools/cpAAAAAAAAAA/codes`, { csv: 'CODE-0001' }],
  ['POST', `/api/campaigns/${id}/coupon-pools/cpAAAAAAAAAA/redeem`, { code: 'CODE-0001' }],
  [
    'POST',
    `/api/campaigns/${id}/reward-rules`,
    { name: '积分', trigger: { kind: 'first-of-day' }, reward: { kind: 'points', points: 5 } },
  ],
  ['GET', `/api/campaigns/${id}/host/reward-rules`],
  ['GET', `/api/campaigns/${id}/host/lotteries`],
  ['GET', `/api/campaigns/${id}/host/matches`],
  ['PATCH', `/api/campaigns/${id}/reward-rules/rrAAAAAAAAAA`, { enabled: false }],
  ['POST', `/api/campaigns/${id}/lotteries`, { name: '抽奖', prizes: [{ name: '奖', count: 1 }] }],
  ['POST', `/api/campaigns/${id}/lotteries/ltAAAAAAAAAA/draw`],
  ['GET', `/api/campaigns/${id}/export/results.csv`],
  ['GET', `/api/campaigns/${id}/export/ledger.csv`],
  ['GET', `/api/campaigns/${id}/export/grants.csv`],
  ['GET', `/api/campaigns/${id}/export/matching.csv`],
  ['GET', `/api/campaigns/${id}/unlockables`],
  [
    'POST',
    `/api/campaigns/${id}/unlockables`,
    { candidateId: 'alice', title: '花絮', text: '文字', unlock: { kind: 'my-like' } },
  ],
  ['POST', `/api/campaigns/${id}/matches`, { sponsor: '企业', cause: '图书角', perVoteFen: 10, capFen: 100 }],
];

describe("another host's campaign", () => {
  it('is covered here on every host route that names a campaign', () => {
    const listed = new Set(routesOn(':campaignId').map(([method, path]) => `${method} ${path}`));
    const hostRoutes = server.api.routes
      .filter((r) => r.auth !== 'public' && r.auth !== 'participant' && r.path.includes(':campaignId'))
      .map(
        (r) =>
          `${r.method.toUpperCase()} ${r.path
            .replace(/:candidateId/, 'alice')
            .replace(/:actionId/, '1')
            .replace(/:entryId/, 'eAAAAAAAAAAAAAAAA')
            .replace(/:poolId/, 'cpAAAAAAAAAA')
            .replace(/:ruleId/, 'rrAAAAAAAAAA')
            .replace(/:lotteryId/, 'ltAAAAAAAAAA')}`,
      );
    expect(hostRoutes.filter((route) => !listed.has(route))).toEqual([]);
  });

  it('answers CAMPAIGN_NOT_FOUND on every route, exactly as a campaign that does not exist', async () => {
    const campaign = await create(owner);
    for (const [method, path, body] of routesOn(campaign.id)) {
      const theirs = await call(server, stranger.token, method, path, body);
      const missing = await call(
        server,
        stranger.token,
        method,
        path.replace(campaign.id, 'cnosuchcampaign'),
        body,
      );
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(codeOf(theirs), `${method} ${path}`).toBe('CAMPAIGN_NOT_FOUND');
      expect(theirs.body, `${method} ${path}`).toEqual(missing.body);
    }
  });

  it('is left exactly as it was: no change, no member, no move, no deletion', async () => {
    const campaign = await create(owner);
    for (const [method, path, body] of routesOn(campaign.id))
      await call(server, stranger.token, method, path, body);
    const stored = await campaignModel(server.deps.mongo).findById(campaign.id).lean();
    expect(stored).toMatchObject({ title: campaign.title, status: 'draft' });
    expect(stored?.members.map((m) => [m.candidateId, m.name])).toEqual([
      ['alice', 'Alice'],
      ['bob', 'Bob'],
    ]);
    expect((await readMembers(server.deps.redis, server.deps.keys, campaign.id)).sort()).toEqual([
      'alice',
      'bob',
    ]);
    const log = await call<{ entries: { action: string }[] }>(
      server,
      owner.token,
      'GET',
      `/api/campaigns/${campaign.id}/audit`,
    );
    expect(log.body.entries.map((e) => e.action)).toEqual(['campaign.create']);
  });

  it('is not in their list', async () => {
    const campaign = await create(owner);
    const mine = await create(stranger);
    const list = await call<CampaignPage>(server, stranger.token, 'GET', '/api/campaigns?limit=100');
    const ids = list.body.campaigns.map((c) => c.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(campaign.id);
    expect(
      list.body.campaigns.every((c) => c.createdBy === stranger.id || c.hostIds.includes(stranger.id)),
    ).toBe(true);
  });
});

describe('an admin', () => {
  it('reads, changes and moves any host’s campaign, and lists every one', async () => {
    const campaign = await create(owner);
    expect((await call(server, admin.token, 'GET', `/api/campaigns/${campaign.id}`)).status).toBe(200);
    expect(
      (await call(server, admin.token, 'PATCH', `/api/campaigns/${campaign.id}`, { title: 'By admin' }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(server, admin.token, 'POST', `/api/campaigns/${campaign.id}/status`, {
          status: 'scheduled',
        })
      ).status,
    ).toBe(200);
    const list = await call<CampaignPage>(
      server,
      admin.token,
      'GET',
      '/api/campaigns?status=scheduled&limit=100',
    );
    expect(list.body.campaigns.map((c) => c.id)).toContain(campaign.id);
  });

  it('adds a co-host, who may then do all the owner may; a host cannot add one', async () => {
    const campaign = await create(owner);
    const cohost = await createTestHost(server);
    const byOwner = await call(server, owner.token, 'PATCH', `/api/campaigns/${campaign.id}`, {
      hostIds: [cohost.id],
    });
    expect(byOwner.status).toBe(403);
    expect(codeOf(byOwner)).toBe('FORBIDDEN');
    expect((await call(server, cohost.token, 'GET', `/api/campaigns/${campaign.id}`)).status).toBe(404);

    const added = await call<CampaignView>(server, admin.token, 'PATCH', `/api/campaigns/${campaign.id}`, {
      hostIds: [cohost.id],
    });
    expect(added.body.hostIds).toEqual([cohost.id]);
    expect((await call(server, cohost.token, 'GET', `/api/campaigns/${campaign.id}`)).status).toBe(200);
    const member = await call(server, cohost.token, 'POST', `/api/campaigns/${campaign.id}/members`, {
      candidateId: 'carol',
      name: 'Carol',
    });
    expect(member.status).toBe(201);
    const list = await call<CampaignPage>(server, cohost.token, 'GET', '/api/campaigns?limit=100');
    expect(list.body.campaigns.map((c) => c.id)).toContain(campaign.id);
  });

  it('cannot add a co-host that does not exist', async () => {
    const campaign = await create(owner);
    const answer = await call(server, admin.token, 'PATCH', `/api/campaigns/${campaign.id}`, {
      hostIds: ['h000000000000'],
    });
    expect(answer.status).toBe(404);
    expect((answer.body as ErrorBody).error).toMatchObject({
      code: 'HOST_NOT_FOUND',
      details: { hostIds: ['h000000000000'] },
    });
  });
});
