import { notificationJobId } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import { call } from '../support/hosts.js';
import {
  create,
  host,
  liveCampaign,
  move,
  server,
  useOperationsServer,
} from '../support/operations-fixture.js';

// What a campaign's moves and reveal queue for the participants who subscribed to hear of them.
useOperationsServer();

const queued = async (event: 'campaign-started' | 'results-final', campaignId: string) =>
  (await server.deps.notificationQueue.getJob(notificationJobId({ kind: 'event', event, campaignId })))?.data;

describe('campaign moves and subscribe messages', () => {
  it('queue campaign-started when a campaign goes live, and not again when it resumes', async () => {
    const campaign = await create();
    expect((await move(campaign.id, 'scheduled')).status).toBe(200);
    expect(await queued('campaign-started', campaign.id)).toBeUndefined();
    expect((await move(campaign.id, 'live')).status).toBe(200);
    expect(await queued('campaign-started', campaign.id)).toEqual({
      kind: 'event',
      event: 'campaign-started',
      campaignId: campaign.id,
    });
    const job = await server.deps.notificationQueue.getJob(
      notificationJobId({ kind: 'event', event: 'campaign-started', campaignId: campaign.id }),
    );
    await job?.remove();
    expect((await move(campaign.id, 'paused')).status).toBe(200);
    expect((await move(campaign.id, 'live')).status).toBe(200);
    expect(await queued('campaign-started', campaign.id)).toBeUndefined();
    expect(await queued('results-final', campaign.id)).toBeUndefined();
  });

  it('queue results-final when a campaign ends', async () => {
    const campaign = await liveCampaign();
    expect((await move(campaign.id, 'ended')).status).toBe(200);
    expect(await queued('results-final', campaign.id)).toMatchObject({ event: 'results-final' });
  });

  it('wait past the reveal of a frozen campaign, which still counts votes, and queue results-final at its end', async () => {
    const campaign = await liveCampaign();
    expect((await move(campaign.id, 'frozen')).status).toBe(200);
    const revealed = await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/reveal`);
    expect(revealed.status).toBe(200);
    expect(await queued('results-final', campaign.id)).toBeUndefined();
    expect((await move(campaign.id, 'ended')).status).toBe(200);
    expect(await queued('results-final', campaign.id)).toMatchObject({ event: 'results-final' });
  });
});
