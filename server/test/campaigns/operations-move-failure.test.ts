import { auditModel, campaignModel } from '@rallyboard/core/db';
import type { CampaignStatus } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { moveCampaign } from '../../src/campaigns/operations.js';
import { call } from '../support/hosts.js';
import { actorOf, storeBehind } from '../support/move-failure.js';
import { create, host, meta, move, server, useOperationsServer } from '../support/operations-fixture.js';
import { startTcpProxy } from '../support/proxy.js';

// A move writes MongoDB, then Redis: what a failure between the two leaves, and how a retry ends.
useOperationsServer();

const statusOf = async (id: string) =>
  (await campaignModel(server.deps.mongo).findById(id, { status: 1 }).lean())?.status;
const transitions = async (id: string) =>
  (
    await auditModel(server.deps.mongo)
      .find({ campaignId: id, action: 'campaign.transition' })
      .sort({ at: 1, _id: 1 })
      .lean()
  ).map((m) => [m.before, m.after]);

describe('when Redis fails between the MongoDB and the Redis write of a move', () => {
  it('records the move, and a retry of it answers 200 and brings the board to the same status', async () => {
    const campaign = await create();
    expect((await move(campaign.id, 'scheduled')).status).toBe(200);
    const proxy = await startTcpProxy(server.deps.config.redis.url);
    const { store, close } = await storeBehind(server, proxy);
    try {
      await proxy.cut();
      await expect(moveCampaign(store, actorOf(host), campaign.id, 'live')).rejects.toThrow();
      // MongoDB took the move; the board did not: the two disagree until something converges them.
      expect(await statusOf(campaign.id)).toBe<CampaignStatus>('live');
      expect((await meta(campaign.id))?.status).toBe('scheduled');
      // The change that was made is on record, though the request failed.
      expect(await transitions(campaign.id)).toEqual([
        [{ status: 'draft' }, { status: 'scheduled' }],
        [{ status: 'scheduled' }, { status: 'live' }],
      ]);
    } finally {
      await close();
      await proxy.restore();
    }
    // The host retries the same move: it is already made, so it answers the campaign as it is
    // and puts the board in step, without recording a second move.
    const retry = await move(campaign.id, 'live');
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body.status).toBe('live');
    expect((await meta(campaign.id))?.status).toBe('live');
    expect(await transitions(campaign.id)).toHaveLength(2);
  });

  it('retries a freeze without taking a second snapshot once the board is frozen', async () => {
    const campaign = await create();
    for (const status of ['scheduled', 'live', 'frozen']) {
      expect((await move(campaign.id, status)).status, status).toBe(200);
    }
    const before = await meta(campaign.id);
    expect(before?.frozen).toBeDefined();
    // Votes go on counting after the freeze and move the live seq; a second snapshot would take it.
    await server.deps.redis.incrby(server.deps.keys.board(campaign.id).seq, 5);
    const retry = await move(campaign.id, 'frozen');
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect((await meta(campaign.id))?.frozen).toEqual(before?.frozen);
    expect(await transitions(campaign.id)).toHaveLength(3);
  });

  it('freezes the board properly when a candidate is added after a freeze whose Redis write failed', async () => {
    const campaign = await create();
    for (const status of ['scheduled', 'live']) expect((await move(campaign.id, status)).status).toBe(200);
    const proxy = await startTcpProxy(server.deps.config.redis.url);
    const { store, close } = await storeBehind(server, proxy);
    try {
      await proxy.cut();
      await expect(moveCampaign(store, actorOf(host), campaign.id, 'frozen')).rejects.toThrow();
    } finally {
      await close();
      await proxy.restore();
    }
    expect((await meta(campaign.id))?.status).toBe('live');
    // Registering the board again with the campaign's status must freeze it as a move does,
    // snapshot included, not just write the word: a frozen board without one shows nothing.
    const added = await call(server, host.token, 'POST', `/api/campaigns/${campaign.id}/members`, {
      candidateId: 'carol',
      name: 'Carol',
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const after = await meta(campaign.id);
    expect(after?.status).toBe('frozen');
    expect(after?.frozen).toBeDefined();
  });
});
