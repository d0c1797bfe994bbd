import type { AuditEntry, AuditPage, CampaignView } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let host: TestHost;
let admin: TestHost;

beforeAll(async () => {
  server = await startTestServer(config);
  [host, admin] = await Promise.all([createTestHost(server), createTestHost(server, 'admin')]);
});
afterAll(async () => {
  await server.close();
});

async function create(): Promise<CampaignView> {
  return (await call<CampaignView>(server, host.token, 'POST', '/api/campaigns', campaignBody())).body;
}

/** Every entry of a log, page by page with `limit`. */
async function readLog(token: string, path: string, limit: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: AuditPage } = await call<AuditPage>(
      server,
      token,
      'GET',
      `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.entries);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return entries;
}

describe('GET /api/campaigns/:campaignId/audit', () => {
  it("pages through a campaign's entries newest first, each with who, from where, before and after", async () => {
    const campaign = await create();
    await call(server, host.token, 'PATCH', `/api/campaigns/${campaign.id}`, { title: 'Renamed' });
    await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/members`, {
      candidateId: 'c',
      name: 'C',
    });
    await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/status`, { status: 'scheduled' });
    const entries = await readLog(host.token, `/api/campaigns/${campaign.id}/audit`, 2);
    expect(entries.map((e) => e.action)).toEqual([
      'campaign.transition',
      'member.add',
      'campaign.update',
      'campaign.create',
    ]);
    expect(entries[2]).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      actor: { hostId: host.id, username: host.username, role: 'host' },
      action: 'campaign.update',
      target: { type: 'campaign', id: campaign.id },
      campaignId: campaign.id,
      before: { title: '年度人气之星' },
      after: { title: 'Renamed' },
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(entries[3]?.before).toBeNull();
    expect(entries[3]?.after).toMatchObject({ id: campaign.id, status: 'draft', createdBy: host.id });
  });

  it('is for the campaign’s hosts and admins: another host gets CAMPAIGN_NOT_FOUND', async () => {
    const campaign = await create();
    const other = await createTestHost(server);
    expect(codeOf(await call(server, other.token, 'GET', `/api/campaigns/${campaign.id}/audit`))).toBe(
      'CAMPAIGN_NOT_FOUND',
    );
    const byAdmin = await readLog(admin.token, `/api/campaigns/${campaign.id}/audit`, 10);
    expect(byAdmin.map((e) => e.action)).toEqual(['campaign.create']);
  });

  it("keeps a deleted draft's entries for admins", async () => {
    const campaign = await create();
    await call(server, host.token, 'DELETE', `/api/campaigns/${campaign.id}`);
    const entries = await readLog(admin.token, `/api/campaigns/${campaign.id}/audit`, 10);
    expect(entries.map((e) => [e.action, e.after])).toEqual([
      ['campaign.delete', null],
      ['campaign.create', expect.objectContaining({ id: campaign.id })],
    ]);
    expect(entries[0]?.before).toMatchObject({ id: campaign.id, status: 'draft' });
  });
});

describe('GET /api/audit', () => {
  it('is for admins only', async () => {
    const answer = await call(server, host.token, 'GET', '/api/audit');
    expect(answer.status).toBe(403);
    expect(codeOf(answer)).toBe('FORBIDDEN');
  });

  it('holds every entry, newest first, host accounts included', async () => {
    const campaign = await create();
    const created = await call<{ id: string }>(server, admin.token, 'POST', '/api/hosts', {
      username: `${host.username}-2`,
      password: 'a long enough password',
    });
    const page = await call<AuditPage>(server, admin.token, 'GET', '/api/audit?limit=100');
    const ours = page.body.entries.filter(
      (e) => e.campaignId === campaign.id || (e.target.type === 'host' && e.target.id === created.body.id),
    );
    expect(ours.map((e) => e.action)).toEqual(['host.create', 'campaign.create']);
    const times = page.body.entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
