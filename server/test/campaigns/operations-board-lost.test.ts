import { boardModel, campaignModel } from '@rallyboard/core/db';
import { createCampaignBodySchema } from '@rallyboard/core/protocol';
import { unregisterBoard } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/operations.js';
import { loseBoardState } from '../support/boards.js';
import { call, campaignBody } from '../support/hosts.js';
import { actorOf, testCampaignStore } from '../support/move-failure.js';
import {
  create,
  host,
  liveCampaign,
  meta,
  move,
  server,
  useOperationsServer,
} from '../support/operations-fixture.js';

// A campaign whose board Redis does not have: registered while no vote can exist, else left to a rebuild.
useOperationsServer();

const boardRecord = (id: string) => boardModel(server.deps.mongo).findById(id).lean();

describe('a campaign whose board Redis does not have', () => {
  it('gets it when it is scheduled, after its registration failed at its creation', async () => {
    const title = `registration failed ${Date.now()}`;
    // The draft is written, then Redis fails (or the server dies) before its board is registered.
    const store = {
      ...testCampaignStore(server),
      sync: async () => {
        throw new Error('Redis went away');
      },
    };
    const body = createCampaignBodySchema.parse(campaignBody({ title }));
    await expect(createCampaign(store, actorOf(host), body)).rejects.toThrow('Redis went away');
    const draft = await campaignModel(server.deps.mongo).findOne({ title }).lean();
    if (!draft) throw new Error('the draft was not written');
    expect(await meta(draft._id)).toBeUndefined();

    const scheduled = await move(draft._id, 'scheduled');
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    // Without a board, ingest would take its votes once live and the workers hold them for ever.
    expect(await meta(draft._id)).toMatchObject({
      status: 'scheduled',
      endAt: draft.schedule.endAt.getTime(),
    });
    expect((await move(draft._id, 'live')).status).toBe(200);
    expect((await meta(draft._id))?.status).toBe('live');
  });

  it('gets it on the move scheduled → live itself: no vote can exist before it', async () => {
    const campaign = await create();
    expect((await move(campaign.id, 'scheduled')).status).toBe(200);
    await unregisterBoard(server.deps.redis, server.deps.keys, campaign.id);
    expect((await move(campaign.id, 'live')).status).toBe(200);
    expect(await meta(campaign.id)).toMatchObject({ status: 'live' });
  });

  describe('once the campaign has been live', () => {
    it('takes a new candidate in MongoDB and leaves Redis to the rebuild, which registers it', async () => {
      const campaign = await liveCampaign();
      await loseBoardState(server.deps.redis, server.deps.keys, campaign.id);
      const added = await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/members`, {
        candidateId: 'carol',
        name: 'Carol',
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      // Registered again empty, the board would count the votes waiting for it from seq 1.
      expect(await meta(campaign.id)).toBeUndefined();
      expect((await boardRecord(campaign.id))?.members.map((m) => m.candidateId)).toEqual([
        'alice',
        'bob',
        'carol',
      ]);
    });

    it('moves it in MongoDB and leaves Redis to the rebuild', async () => {
      const campaign = await liveCampaign();
      await loseBoardState(server.deps.redis, server.deps.keys, campaign.id);
      const paused = await move(campaign.id, 'paused');
      expect(paused.status, JSON.stringify(paused.body)).toBe(200);
      expect(paused.body.status).toBe('paused');
      expect(await meta(campaign.id)).toBeUndefined();
    });
  });
});
