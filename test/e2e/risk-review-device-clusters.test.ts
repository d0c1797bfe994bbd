import { ledgerModel } from '@rallyboard/core/db';
import type { HeldGroup, RiskAlert } from '@rallyboard/core/protocol';
import { HOST_EVENTS, HOST_NAMESPACE } from '@rallyboard/core/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  decided,
  expectLedgerMatchesRanking,
  held,
  host,
  liveCampaign,
  mongo,
  reviewed,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';
import { eventually } from '../support/stack.js';
import { readRanking } from '../support/votes.js';

// Many accounts on one device: the cluster held (votes and likes alike), the host alerted live,
// and the host's approval and void by rule moving the ranking exactly.
useRiskReviewStack();
let hostSocket: Socket;
const alerts: RiskAlert[] = [];
// Registered after the stack's: run before it closes the server.
afterAll(() => {
  hostSocket?.disconnect();
});

/**
 * Casts a vote and waits until it is decided: the next vote is then measured after it, so which
 * account makes a device's fourth is the order the test votes in, whatever the worker's batching.
 */
async function voteInTurn(...args: Parameters<typeof vote>): Promise<string> {
  const voteId = await vote(...args);
  await eventually(
    async () => (await ledgerModel(mongo).exists({ _id: voteId })) !== null,
    20_000,
    `${voteId} decided`,
  );
  return voteId;
}

describe('risk control, end to end', () => {
  it('holds a device farm, explains why, alerts the host live, and lets the host approve and then void it, with the ranking following exactly', async () => {
    const campaignId = await liveCampaign();
    hostSocket = connect(`${server.url}${HOST_NAMESPACE}`, {
      auth: { token: host.token },
      transports: ['websocket'],
    });
    hostSocket.on(HOST_EVENTS.alert, (alert: RiskAlert) => alerts.push(alert));
    const joined = await hostSocket.timeout(5_000).emitWithAck(HOST_EVENTS.subscribe, { campaignId });
    expect(joined).toEqual({ data: { campaignId } });

    // Six accounts on one phone, from six addresses, each voting for carol once.
    const farm = Array.from({ length: 6 }, (_, i) => ({
      participantId: `p-farm-${campaignId}-${i}`,
      ip: `172.16.${i}.9`,
      deviceId: 'dev-farm-1',
      dwellMs: 3_000,
    }));
    const voteIds: string[] = [];
    for (const voter of farm) voteIds.push(await voteInTurn(campaignId, 'carol', voter));
    await decided(campaignId, 6);

    // The fourth account on the device is held, and so are the rest; the first three were
    // counted, then held too once the cluster was found (their votes taken back by retractions).
    await held(campaignId, 6, 'all six farm votes held');
    const fourth = await ledgerModel(mongo).findById(voteIds[3]).lean();
    expect(fourth?.verdict).toBe('held');
    expect(fourth?.risk?.reasons.map((r) => r.rule)).toContain('deviceAccounts');
    expect(fourth?.risk?.text).toMatch(/device dev-farm-1 shared by 4 accounts in 24 h/);
    const first = await ledgerModel(mongo).findById(voteIds[0]).lean();
    expect(first?.verdict).toBe('counted');
    expect(first?.review).toMatchObject({
      state: 'held',
      cluster: 'device:dev-farm-1',
      retraction: `${voteIds[0]}.x`,
    });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(0);
    await expectLedgerMatchesRanking(campaignId);

    const grouped = await call<{ held: number; groups: HeldGroup[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/review/held?groupBy=cluster`,
    );
    expect(grouped.status).toBe(200);
    expect(grouped.body.held).toBe(6);
    expect(grouped.body.groups[0]).toMatchObject({ key: 'device:dev-farm-1', votes: 6, voters: 6 });

    await eventually(
      async () => alerts.some((a) => a.subject === 'device:dev-farm-1'),
      10_000,
      'cluster alert pushed',
    );
    const listed = await call<{ alerts: RiskAlert[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/alerts`,
    );
    expect(listed.body.alerts.map((a) => a.subject)).toContain('device:dev-farm-1');

    // Approve the cluster: all six count, once each.
    expect(
      await reviewed(campaignId, 'review', {
        decision: 'approve',
        select: { cluster: 'device:dev-farm-1' },
        note: 'a family phone',
      }),
    ).toMatchObject({ matched: 6, changed: 6 });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(6);
    await expectLedgerMatchesRanking(campaignId);

    // Void them by rule after all: the counted votes are taken back; a re-run changes nothing.
    const rule = {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      deviceId: 'dev-farm-1',
      candidateId: 'carol',
      note: 'one person after all',
    };
    expect(await reviewed(campaignId, 'review/void-by-rule', rule)).toMatchObject({ matched: 6, changed: 6 });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(0);
    expect(await reviewed(campaignId, 'review/void-by-rule', rule)).toMatchObject({
      matched: 6,
      changed: 0,
      unchanged: 6,
    });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(0);
    await expectLedgerMatchesRanking(campaignId);

    const audit = await call<{ entries: { action: string }[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/audit`,
    );
    expect(audit.body.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['review.approve', 'review.void-by-rule']),
    );
  });

  it('holds a like the same way, and an approved like stands once', async () => {
    const campaignId = await liveCampaign({ kind: 'like' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(
        await voteInTurn(
          campaignId,
          'alice',
          {
            participantId: `p-liker-${campaignId}-${i}`,
            ip: `203.0.113.${i + 1}`,
            deviceId: 'dev-liker',
            dwellMs: 3_000,
          },
          'like',
        ),
      );
    }
    await decided(campaignId, 4);
    await held(campaignId, 4, 'the four likes held');
    expect((await ledgerModel(mongo).findById(ids[3]).lean())?.verdict).toBe('held');
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(0);
    // Selected by the rule: the fourth like; the first three were held by their cluster, not by a rule of theirs.
    expect(
      await reviewed(campaignId, 'review', { decision: 'approve', select: { reason: 'deviceAccounts' } }),
    ).toMatchObject({ matched: 1, changed: 1 });
    expect(
      await reviewed(campaignId, 'review', {
        decision: 'approve',
        select: { cluster: 'device:dev-liker' },
      }),
    ).toMatchObject({ matched: 3, changed: 3 });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(4);
    await expectLedgerMatchesRanking(campaignId);
  });
});
