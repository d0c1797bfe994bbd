import { type CampaignDoc, connectMongo, ledgerModel, readLedgerState } from '@rallyboard/core/db';
import type { HeldGroup, ReviewAction, RiskAlert, RiskDashboard } from '@rallyboard/core/protocol';
import { HOST_EVENTS, HOST_NAMESPACE } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { participantToken } from '../support/participants.js';
import { collectUpdates, connectSocket, subscribe } from '../support/socket.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../support/stack.js';
import { readRanking } from '../support/votes.js';

// Requests come from 127.0.0.1; X-Forwarded-For gives each simulated voter its own address.
const config = testConfig({ TRUST_PROXY: 'loopback' });
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let host: TestHost;
let hostSocket: Socket;
const alerts: RiskAlert[] = [];

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  worker = await startTestWorker(config, mongo);
  host = await createTestHost(server);
});
afterAll(async () => {
  hostSocket?.disconnect();
  await worker.close();
  await server.close();
  await mongo.close();
});

/** A live campaign of `host` with alice, bob and carol, and its board. */
async function liveCampaign(fields: Partial<CampaignDoc> = {}): Promise<string> {
  const candidateIds = ['alice', 'bob', 'carol'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, {
    kind: fields.kind ?? 'vote',
  });
  await createLiveCampaign(mongo, campaignId, {
    candidateIds,
    kind: fields.kind ?? 'vote',
    createdBy: host.id,
    ...fields,
  });
  return campaignId;
}

interface Voter {
  participantId: string;
  ip: string;
  deviceId: string;
  dwellMs: number;
}

async function vote(
  campaignId: string,
  candidateId: string,
  voter: Voter,
  action: 'vote' | 'like' = 'vote',
): Promise<string> {
  const res = await fetch(`${server.url}/api/boards/${campaignId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await participantToken(config, voter.participantId)}`,
      'x-forwarded-for': voter.ip,
      'x-device-id': voter.deviceId,
    },
    body: JSON.stringify({ candidateId, dwellMs: voter.dwellMs, ...(action === 'vote' ? {} : { action }) }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { voteId: string }).voteId;
}

const decided = (campaignId: string, n: number) =>
  eventually(
    async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) >= n,
    20_000,
    `${n} votes decided`,
  );

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

async function finished(campaignId: string, action: ReviewAction): Promise<ReviewAction> {
  let last = action;
  await eventually(
    async () => {
      last = (
        await call<ReviewAction>(
          server,
          host.token,
          'GET',
          `/api/campaigns/${campaignId}/review/actions/${action.id}`,
        )
      ).body;
      return last.state === 'done';
    },
    20_000,
    `review action ${action.id} done`,
  );
  return last;
}

/** Asks for a review action (answered 202) and follows it to its end. */
async function reviewed(
  campaignId: string,
  path: 'review' | 'review/void-by-rule',
  body: unknown,
): Promise<ReviewAction> {
  const answer = await call<ReviewAction>(
    server,
    host.token,
    'POST',
    `/api/campaigns/${campaignId}/${path}`,
    body,
  );
  expect(answer.status).toBe(202);
  return finished(campaignId, answer.body);
}

/** Waits until `count` of the campaign's votes are held. */
const held = (campaignId: string, count: number, what: string) =>
  eventually(
    async () =>
      (await ledgerModel(mongo).countDocuments({ boardId: campaignId, 'review.state': 'held' })) === count,
    20_000,
    what,
  );

/** Redis's ranking equals what the ledger says it should be: nothing counted twice or lost. */
async function expectLedgerMatchesRanking(campaignId: string) {
  const state = await readLedgerState(ledgerModel(mongo), campaignId);
  const ranking = await readRanking(server.url, campaignId);
  expect(ranking.totals.votes).toBe(state.all.total);
  for (const entry of ranking.entries) {
    expect(entry.score, entry.candidateId).toBe(state.all.members.get(entry.candidateId)?.count ?? 0);
  }
}

describe('risk control, end to end', () => {
  it('counts honest voters from different devices and networks, each with its reasons empty', async () => {
    const campaignId = await liveCampaign();
    for (let i = 0; i < 6; i++) {
      await vote(campaignId, i % 2 ? 'alice' : 'bob', {
        participantId: `p-honest-${campaignId}-${i}`,
        ip: `10.${i}.1.${i + 2}`,
        deviceId: `dev-honest-${i}`,
        dwellMs: 4_000 + i * 700,
      });
    }
    await decided(campaignId, 6);
    const records = await ledgerModel(mongo).find({ boardId: campaignId }).lean();
    expect(records.map((r) => r.verdict)).toEqual(Array(6).fill('counted'));
    expect(records.every((r) => r.risk === undefined)).toBe(true);
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(6);
  });

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

  it('voids a held vote so that it never counts, and gives the voter the reason', async () => {
    const campaignId = await liveCampaign();
    // One script: the same account voting at a machine's steady beat, tapping at once.
    const bot = { participantId: `p-bot-${campaignId}`, ip: '192.0.2.7', deviceId: 'dev-bot', dwellMs: 120 };
    // Each vote sent on its beat, not after the last answer: a script keeps its clock, and a
    // round trip slowed by a busy machine must not blur the beat the rule measures.
    const BEAT_MS = 1_000;
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, started + i * BEAT_MS - Date.now()));
        return vote(campaignId, 'bob', bot);
      }),
    );
    await decided(campaignId, 6);
    await held(campaignId, 6, 'the bot held');
    const byReason = await call<{ groups: HeldGroup[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/review/held?groupBy=reason`,
    );
    expect(byReason.body.groups.map((g) => g.key)).toContain('regularTiming');
    expect(
      await reviewed(campaignId, 'review', {
        decision: 'void',
        select: { voteIds: ids },
      }),
    ).toMatchObject({ matched: 6, changed: 6 });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(0);
    const status = await fetch(`${server.url}/api/boards/${campaignId}/votes/${ids[5]}`, {
      headers: {
        authorization: `Bearer ${await participantToken(config, bot.participantId)}`,
      },
    });
    expect(await status.json()).toMatchObject({ status: 'rejected', reason: 'VOIDED' });
    await expectLedgerMatchesRanking(campaignId);
  });

  it('lets a host loosen a rule, and then the same pattern is counted', async () => {
    const campaignId = await liveCampaign();
    const patch = await call(server, host.token, 'PATCH', `/api/campaigns/${campaignId}/risk/settings`, {
      rules: { deviceAccounts: { threshold: 50 } },
    });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({
      settings: { rules: { deviceAccounts: { threshold: 50, weight: 1 } } },
    });
    for (let i = 0; i < 4; i++) {
      await vote(campaignId, 'alice', {
        participantId: `p-kin-${campaignId}-${i}`,
        ip: `198.51.${i}.1`,
        deviceId: 'dev-kin',
        dwellMs: 5_000,
      });
    }
    await decided(campaignId, 4);
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(4);
    const bad = await call(server, host.token, 'PATCH', `/api/campaigns/${campaignId}/risk/settings`, {
      reviewAt: 5,
      rejectAt: 2,
    });
    expect(bad.status).toBe(400);
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

  it('takes back a counted vote voided by rule on the live screens too, and charts it on the dashboard', async () => {
    const campaignId = await liveCampaign();
    for (let i = 0; i < 3; i++) {
      await vote(campaignId, 'bob', {
        participantId: `p-net-${campaignId}-${i}`,
        ip: `100.64.7.${i + 10}`,
        // Two of them share a phone.
        deviceId: i < 2 ? 'dev-net-family' : `dev-net-${i}`,
        dwellMs: 4_000,
      });
    }
    await decided(campaignId, 3);
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(3);
    const screen = await connectSocket(server.url);
    try {
      await subscribe(screen, campaignId);
      const updates = collectUpdates(screen);
      expect(
        await reviewed(campaignId, 'review/void-by-rule', {
          from: new Date(Date.now() - 3_600_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
          network: '100.64.7.0/24',
        }),
      ).toMatchObject({ matched: 3, changed: 3 });
      await eventually(
        async () => updates.at(-1)?.totals.votes === 0,
        10_000,
        'the screen sees the votes taken back',
      );
    } finally {
      screen.disconnect();
    }
    const dashboard = await call<RiskDashboard>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/risk/dashboard?minutes=5`,
    );
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.networks16).toEqual([{ network: '100.64.0.0/16', votes: 3 }]);
    expect(dashboard.body.topSubnets).toEqual([{ network: '100.64.7.0/24', votes: 3 }]);
    // Devices are listed once they have a second account.
    expect(dashboard.body.topDevices).toEqual([{ deviceId: 'dev-net-family', accounts: 2 }]);
    expect(dashboard.body.rates.reduce((n, m) => n + (m.candidates.bob ?? 0), 0)).toBe(3);
    expect(dashboard.body.verdicts.reduce((n, m) => n + m.counted, 0)).toBe(3);
  });

  it("raises a spike alert when a candidate's votes jump far above its baseline", async () => {
    const campaignId = await liveCampaign();
    // alice has been voted for since an hour ago (quietly): she has a baseline to spike against.
    await server.deps.redis.hset(
      server.deps.keys.board(campaignId).risk.candidate('alice'),
      'first',
      Date.now() - 3_600_000,
    );
    for (let i = 0; i < 12; i++) {
      await vote(campaignId, 'alice', {
        participantId: `p-fan-${campaignId}-${i}`,
        ip: `198.18.${i}.4`,
        deviceId: `dev-fan-${i}`,
        dwellMs: 6_000,
      });
    }
    await decided(campaignId, 12);
    await eventually(
      async () => {
        const listed = await call<{ alerts: RiskAlert[] }>(
          server,
          host.token,
          'GET',
          `/api/campaigns/${campaignId}/alerts`,
        );
        return listed.body.alerts.some((a) => a.kind === 'candidate-spike' && a.subject === 'alice');
      },
      10_000,
      'a spike alert for alice',
    );
    // Real fans: the spike is an alert, and every vote counts.
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(12);
  });
});
