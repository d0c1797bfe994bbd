import { rewardModels } from '@rallyboard/core/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { GRANTS_HEADER } from '../../src/rewards/grants-export-routes.js';
import { call, createTestHost, type TestHost } from '../support/hosts.js';

/** grants.csv: every grant of a campaign, revoked ones with when and why, for the host's audit. */
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

describe('the grants export', () => {
  it('lists every grant with its rule, reward, status and dates', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(server.deps.mongo, campaignId, { createdBy: host.id });
    const rule = await call<{ id: string }>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/reward-rules`,
      {
        name: '=每日积分',
        trigger: { kind: 'first-of-day' },
        reward: { kind: 'points', points: 5 },
      },
    );
    const { grants } = rewardModels(server.deps.mongo);
    await grants.insertMany([
      {
        _id: 'g-export-1',
        campaignId,
        ruleId: rule.body.id,
        participantId: 'p-1',
        key: 'day:2026-01-01',
        voteId: 'v-1',
        status: 'active',
        points: 5,
        grantedAt: new Date('2026-01-01T01:00:00Z'),
      },
      {
        _id: 'g-export-2',
        campaignId,
        ruleId: rule.body.id,
        participantId: 'p-2',
        key: 'day:2026-01-01',
        voteId: 'v-2',
        status: 'revoked',
        poolId: 'cpEXPORTPOOL',
        code: 'BACK-IN-POOL',
        grantedAt: new Date('2026-01-01T02:00:00Z'),
        revokedAt: new Date('2026-01-02T00:00:00Z'),
        revokedBecause: 'its vote no longer counts',
      },
      {
        _id: 'g-other',
        campaignId: 'c-other',
        ruleId: 'rr-x',
        participantId: 'p-3',
        key: 'k',
        voteId: 'v',
        status: 'active',
        grantedAt: new Date(),
      },
    ]);
    const res = await fetch(`${server.url}/api/campaigns/${campaignId}/export/grants.csv`, {
      headers: { authorization: `Bearer ${host.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`${campaignId}-grants-`));
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(GRANTS_HEADER.join(','));
    expect(lines).toHaveLength(3);
    // The rule's name starts with '=': a spreadsheet must not run it.
    expect(lines[1]).toBe(
      `g-export-1,${rule.body.id},'=每日积分,p-1,day:2026-01-01,积分,5,,,,active,2026-01-01T01:00:00.000Z,,,,,v-1`,
    );
    expect(lines[2]).toContain(
      ',revoked,2026-01-01T02:00:00.000Z,2026-01-02T00:00:00.000Z,its vote no longer counts,',
    );
    // Its code went back to the pool and may be another's now: not in this row.
    expect(lines[2]).toContain(',cpEXPORTPOOL,,,revoked,');
    expect(lines.join('\n')).not.toContain('BACK-IN-POOL');
  });
});
