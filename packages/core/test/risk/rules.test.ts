import { describe, expect, it } from 'vitest';
import { resolveRiskSettings } from '../../src/risk/defaults.js';
import { explainAssessment } from '../../src/risk/rules.js';
import { assess } from './rules-fixture.js';

describe('assessVote', () => {
  it('accepts an unremarkable vote with no reasons and no clusters', () => {
    expect(assess({})).toMatchObject({
      verdict: 'accept',
      score: 0,
      reasons: [],
      clusters: [],
      net24: '203.0.113.0/24',
    });
  });

  it('holds a vote from a device shared by four accounts, saying so in one sentence, and names the device cluster', () => {
    // A family of three on one phone is not a farm.
    expect(assess({ deviceAccounts: 3 }).verdict).toBe('accept');
    const a = assess({ deviceAccounts: 4 });
    expect(a.verdict).toBe('review');
    expect(a.reasons).toEqual([
      expect.objectContaining({
        rule: 'deviceAccounts',
        value: 4,
        threshold: 4,
        weight: 1,
        text: 'device dev-1 shared by 4 accounts in 24 h',
      }),
    ]);
    expect(a.clusters).toEqual(['device:dev-1']);
    expect(a.holdClusters).toEqual(['device:dev-1']);
    expect(explainAssessment(a)).toBe('held for review (score 1): device dev-1 shared by 4 accounts in 24 h');
  });

  it("adds weak signals up: a quick tap from a brand-new account on a busy IP still counts, and with WeChat's high risk rank besides it is held", () => {
    expect(assess({ dwellMs: 300 }).verdict).toBe('accept');
    const a = assess({ dwellMs: 300, accountAgeMs: 0, ipAccounts: 20 });
    expect(a.reasons.map((r) => r.rule)).toEqual(['ipAccounts', 'fastTap', 'newAccount']);
    expect(a.score).toBe(0.6);
    expect(a.verdict).toBe('accept');
    expect(assess({ dwellMs: 300, accountAgeMs: 0, ipAccounts: 20, wechatRiskRank: 3 }).verdict).toBe(
      'review',
    );
  });

  it('holds a network for a candidate only when enough of its accounts have evidence of their own', () => {
    // A venue: 600 accounts on one IP, all for alice, 40 of them new accounts tapping fast: a crowd.
    const venue = { ipAccounts: 600, ipCandidateAccounts: 600, ipCandidateSuspects: 40 };
    expect(assess({ ...venue, accountAgeMs: 0, ownEvidence: true }).reasons.map((r) => r.rule)).toEqual([
      'ipAccounts',
      'newAccount',
    ]);
    // A farm on one address: 10 accounts for alice, 8 with evidence, this one too.
    const farm = { ipAccounts: 10, ipCandidateAccounts: 10, ipCandidateSuspects: 8 };
    const held = assess({ ...farm, accountAgeMs: 0, dwellMs: 500, ownEvidence: true });
    expect(held.verdict).toBe('review');
    expect(held.holdClusters).toEqual(['ip:203.0.113.9@alice']);
    expect(held.reasons.find((r) => r.rule === 'ipCandidateAccounts')?.text).toContain(
      '8 of the 10 accounts on IP 203.0.113.9 voting for this candidate',
    );
    // A neighbour on that address with no evidence of its own is not held by it (framing).
    expect(assess({ ...farm, accountAgeMs: 0 }).reasons.map((r) => r.rule)).toEqual(['newAccount']);
    // A block over the day: every account new here goes with it, none that voted here before.
    const block = { subnetCandidateAccounts: 30, subnetCandidateSuspects: 12 };
    expect(assess({ ...block, accountAgeMs: 20_000 }).reasons.map((r) => r.rule)).toEqual([
      'subnetCandidateAccounts',
    ]);
    const blockHeld = assess({ ...block, accountAgeMs: 0, dwellMs: 800 });
    expect(blockHeld.verdict).toBe('review');
    expect(blockHeld.holdClusters).toEqual(['subnet:203.0.113.0/24@alice']);
    expect(assess({ ...block, accountAgeMs: 3_600_000 }).reasons).toEqual([]);
  });

  it('takes a vote with no dwell time for one that did not come from our page', () => {
    expect(assess({ dwellMs: null }).reasons[0]?.text).toBe(
      'voted without the page being shown (no dwell time)',
    );
  });

  it('counts a wave of brand-new accounts tapping at once against a new voter only, and a spike only once the candidate has a baseline', () => {
    const wave = {
      candidateRecent: 60,
      candidateBaseline: 4,
      candidateNewShare: 0.9,
      candidateVotes: 70,
      candidateWaveShare: 0.25,
      candidateWaveVotes: 15,
    };
    expect(assess({ ...wave, accountAgeMs: 0 }).reasons.map((r) => r.rule)).toEqual([
      'newAccount',
      'candidateSpike',
      'candidateNewAccounts',
    ]);
    // A new account's ordinary vote for a popular candidate still counts; with a bot's tap, it is held.
    expect(assess({ ...wave, accountAgeMs: 0 }).verdict).toBe('accept');
    expect(assess({ ...wave, accountAgeMs: 0, dwellMs: 400 }).verdict).toBe('review');
    expect(assess(wave).reasons.map((r) => r.rule)).toEqual(['candidateSpike']);
    // A young candidate has no baseline to spike against; the wave still shows.
    expect(assess({ ...wave, candidateAgeMs: 60_000, accountAgeMs: 0 }).reasons.map((r) => r.rule)).toEqual([
      'newAccount',
      'candidateNewAccounts',
    ]);
  });

  it('sees a referral chain that stays on one device or network', () => {
    const a = assess({ sharesWithInviter: true, ringDepth: 3, inviterSharedInvitees: 1, inviterId: 'p-0' });
    expect(a.verdict).toBe('review');
    expect(a.clusters).toEqual(['ring:p-0']);
    expect(
      assess({ sharesWithInviter: false, ringDepth: 0, inviterSharedInvitees: 5, inviterId: 'p-0' }).verdict,
    ).toBe('accept');
  });

  it('is deterministic: the same inputs give the same assessment', () => {
    const f = { deviceAccounts: 4, dwellMs: 100, ipAccounts: 16 };
    expect(assess(f)).toEqual(assess(f));
  });

  it('follows the settings: a disabled rule, a forced action, a switched-off campaign', () => {
    const off = resolveRiskSettings({ rules: { deviceAccounts: { enabled: false } } });
    expect(assess({ deviceAccounts: 9 }, off).verdict).toBe('accept');
    const strict = resolveRiskSettings({ rules: { fastTap: { action: 'reject' } } });
    expect(assess({ dwellMs: 100 }, strict).verdict).toBe('reject');
    const disabled = resolveRiskSettings({ enabled: false });
    expect(assess({ deviceAccounts: 9, wechatRiskRank: 4 }, disabled)).toMatchObject({
      verdict: 'accept',
      reasons: [],
    });
  });

  it('refuses settings that reject below where they review', () => {
    expect(() => resolveRiskSettings({ reviewAt: 2, rejectAt: 1 })).toThrow(/rejectAt/);
  });
});
