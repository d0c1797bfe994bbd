import type { CampaignView, PublicCampaign, PublicCampaignPage } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

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

/** A campaign taken through the given moves. */
async function campaign(moves: string[], overrides: Record<string, unknown> = {}): Promise<CampaignView> {
  const created = await call<CampaignView>(server, host.token, 'POST', '/api/campaigns', {
    ...campaignBody(),
    ...overrides,
  });
  for (const status of moves) {
    expect(
      (await call(server, host.token, 'POST', `/api/campaigns/${created.body.id}/status`, { status })).status,
    ).toBe(200);
  }
  return created.body;
}

const readOne = (id: string) => call<PublicCampaign>(server, undefined, 'GET', `/api/public/campaigns/${id}`);

/** Every public campaign, page by page. */
async function readAll(): Promise<PublicCampaign[]> {
  const all: PublicCampaign[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: PublicCampaignPage } = await call<PublicCampaignPage>(
      server,
      undefined,
      'GET',
      `/api/public/campaigns?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    all.push(...page.body.campaigns);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return all;
}

describe('GET /api/public/campaigns/:campaignId', () => {
  it('shows a published campaign without its hosts or internals, quotas as numbers or null', async () => {
    const live = await campaign(['scheduled', 'live'], { rules: { votesPerUserPerDay: 3 } });
    const answer = await readOne(live.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: live.id,
      title: live.title,
      description: '',
      kind: 'vote',
      members: live.members,
      groups: live.groups,
      schedule: live.schedule,
      status: 'live',
      quotas: { perDay: 3, perCandidatePerDay: null, total: null },
    });
    expect(JSON.stringify(answer.body)).not.toContain(host.id);
  });

  it('shows an unlisted campaign to whoever has its id', async () => {
    const unlisted = await campaign(['scheduled'], { visibility: 'unlisted' });
    expect((await readOne(unlisted.id)).status).toBe(200);
  });

  it('answers CAMPAIGN_NOT_FOUND for a draft, an archived campaign and an unknown id', async () => {
    const draft = await campaign([]);
    const archived = await campaign(['scheduled', 'live', 'ended', 'archived']);
    for (const id of [draft.id, archived.id, 'cnosuchcampaign']) {
      const answer = await readOne(id);
      expect(answer.status, id).toBe(404);
      expect(codeOf(answer), id).toBe('CAMPAIGN_NOT_FOUND');
    }
  });
});

describe('GET /api/public/campaigns', () => {
  it('lists the public, published campaigns only: no draft, no archived, no unlisted', async () => {
    const listed = await campaign(['scheduled']);
    const ended = await campaign(['scheduled', 'live', 'ended']);
    const draft = await campaign([]);
    const archived = await campaign(['scheduled', 'live', 'ended', 'archived']);
    const unlisted = await campaign(['scheduled'], { visibility: 'unlisted' });
    const ids = (await readAll()).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([listed.id, ended.id]));
    for (const hidden of [draft, archived, unlisted]) expect(ids).not.toContain(hidden.id);
  });

  it('pages newest first without repeating a campaign', async () => {
    const made = [await campaign(['scheduled']), await campaign(['scheduled'])];
    const first = await call<PublicCampaignPage>(server, undefined, 'GET', '/api/public/campaigns?limit=1');
    expect(first.body.campaigns).toHaveLength(1);
    expect(first.body.nextCursor).not.toBeNull();
    const all = await readAll();
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(all.findIndex((c) => c.id === made[1]?.id)).toBeLessThan(
      all.findIndex((c) => c.id === made[0]?.id),
    );
  });
});
