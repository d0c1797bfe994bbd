import type { HeldGroup, RiskDashboard } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import { participantToken } from '../support/participants.js';
import {
  config,
  decided,
  expectLedgerMatchesRanking,
  held,
  host,
  liveCampaign,
  reviewed,
  server,
  useRiskReviewStack,
  vote,
} from '../support/risk-review-fixture.js';
import { collectUpdates, connectSocket, subscribe } from '../support/socket.js';
import { eventually } from '../support/stack.js';
import { readRanking } from '../support/votes.js';

// Votes voided: a held vote that then never counts, and counted votes taken back by rule,
// on the live screens and the risk dashboard.
useRiskReviewStack();

describe('risk control, end to end', () => {
  it('voids a held vote so that it never counts, and gives the voter the reason', async () => {
    const campaignId = await liveCampaign();
    // One script: the same account voting at a machine's steady beat, tapping at once.
    const bot = { participantId: `p-bot-${campaignId}`, ip: '192.0.2.7', deviceId: 'dev-bot', dwellMs: 120 };
    // Each vote sent on its beat, not after the last answer: a script keeps its clock, and a
    // round trip slowed by a busy machine must not blur the beat the rule measures.
    const BEAT_MS = 1_000;
    // Seven votes: six intervals, the fewest regular timing is judged from.
    const BEATS = 7;
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: BEATS }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, started + i * BEAT_MS - Date.now()));
        return vote(campaignId, 'bob', bot);
      }),
    );
    await decided(campaignId, BEATS);
    await held(campaignId, BEATS, 'the bot held');
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
    ).toMatchObject({ matched: BEATS, changed: BEATS });
    expect((await readRanking(server.url, campaignId)).totals.votes).toBe(0);
    const status = await fetch(`${server.url}/api/boards/${campaignId}/votes/${ids.at(-1)}`, {
      headers: {
        authorization: `Bearer ${await participantToken(config, bot.participantId)}`,
      },
    });
    expect(await status.json()).toMatchObject({ status: 'rejected', reason: 'VOIDED' });
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
});
