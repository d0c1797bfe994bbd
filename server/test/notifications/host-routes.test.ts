import { notificationModels, recordGrant, recordSend, sendIdOf } from '@rallyboard/core/db';
import type { CampaignNotifications, ErrorBody } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import { call, createTestHost } from '../support/hosts.js';
import { create, host, server, useOperationsServer } from '../support/operations-fixture.js';

// The console's send log: what the workers recorded of a campaign's subscribe messages, counted.
useOperationsServer();

const RESULTS = TEST_TEMPLATES['results-final'].templateId;

describe('GET /api/campaigns/:campaignId/notifications', () => {
  it('counts the grants, the sends by outcome and the reasons, per event', async () => {
    const { id: campaignId } = await create();
    const models = notificationModels(server.deps.mongo);
    for (const userId of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      await recordGrant(models, { userId, campaignId, templateId: RESULTS, event: 'results-final' });
    }
    const log = (userId: string, status: 'sent' | 'dropped' | 'failed', reason?: string) =>
      recordSend(models, {
        _id: sendIdOf('results-final', campaignId, userId),
        event: 'results-final',
        campaignId,
        userId,
        templateId: RESULTS,
        status,
        reason,
        attempts: 1,
      });
    await log('p1', 'sent');
    await log('p2', 'sent');
    await log('p3', 'dropped', 'WECHAT_43101');
    await log('p4', 'dropped', 'WECHAT_43101');
    await log('p5', 'failed', 'WECHAT_47003');
    await log('p6', 'dropped', 'NO_GRANT');

    const answer = await call<CampaignNotifications>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/notifications`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.events).toEqual([
      {
        event: 'campaign-started',
        // This server's deployment configures no template: nothing is sent.
        templateId: null,
        grants: 0,
        sends: { sending: 0, sent: 0, dropped: 0, failed: 0 },
        reasons: [],
      },
      {
        event: 'results-final',
        templateId: null,
        grants: 5,
        sends: { sending: 0, sent: 2, dropped: 3, failed: 1 },
        reasons: [
          { reason: 'WECHAT_43101', count: 2 },
          { reason: 'NO_GRANT', count: 1 },
          { reason: 'WECHAT_47003', count: 1 },
        ],
      },
      ...(['entry-reviewed', 'suggestion-progress'] as const).map((event) => ({
        event,
        templateId: null,
        grants: 0,
        sends: { sending: 0, sent: 0, dropped: 0, failed: 0 },
        reasons: [],
      })),
    ]);
  });

  it("answers another host's campaign as one that does not exist", async () => {
    const { id: campaignId } = await create();
    const other = await createTestHost(server);
    const answer = await call<ErrorBody>(
      server,
      other.token,
      'GET',
      `/api/campaigns/${campaignId}/notifications`,
    );
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('CAMPAIGN_NOT_FOUND');
  });
});
