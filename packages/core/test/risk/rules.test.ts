import { describe, expect, it } from 'vitest';
import type { RiskFeatures } from '../../src/protocol/risk.js';
import { DEFAULT_RISK_SETTINGS, resolveRiskSettings } from '../../src/risk/defaults.js';
import { assessVote, explainAssessment } from '../../src/risk/rules.js';

/** An unremarkable vote: a returning account on its own phone, a human tap. */
const calm: RiskFeatures = {
  voterVotes: 2,
  voterIntervalCv: null,
  voterIntervals: 1,
  voterIntervalMeanMs: null,
  dwellMs: 5_200,
  accountAgeMs: 3_600_000,
  deviceAccounts: 1,
  deviceVotes: 2,
  fingerprintAccounts: 4,
  fingerprintVotes: 6,
  ipAccounts: 1,
  ipVotes: 2,
  subnetAccounts: 3,
  subnetVotes: 4,
  ipCandidateAccounts: 1,
  subnetCandidateAccounts: 1,
  candidateRecent: 6,
  candidateBaseline: 5,
  candidateNewShare: 0.2,
  candidateVotes: 30,
  candidateVoters: 24,
  candidateWaveShare: 0,
  candidateWaveVotes: 0,
  candidateAgeMs: 7_200_000,
  sharesWithInviter: false,
  ringDepth: 0,
  inviterSharedInvitees: 0,
  inviterId: null,
  wechatRiskRank: 0,
  ownEvidence: false,
  ipCandidateSuspects: 0,
  subnetCandidateSuspects: 0,
  syncedVotes: 0,
  votesBefore: 0,
  bunched: false,
  voterWaves: 0,
  recentFirstVotes: 0,
  candidateRiskyNew: 0,
  candidateRiskyNewShare: 0,
  dwellTwins: 0,
  inviterInvitees: 0,
  inviterSuspects: 0,
  candidateDayNew: 0,
  candidateDayRiskyNew: 0,
  dayDwellTwins: 0,
  dayDwellAround: 0,
  dayFineTwins: 0,
  dayFineAround: 0,
};
const subject = {
  candidateId: 'alice',
  voterId: 'p-1',
  ip: '203.0.113.9',
  deviceId: 'dev-1',
  fingerprint: 'f'.repeat(64),
};
const assess = (features: Partial<RiskFeatures>, settings = DEFAULT_RISK_SETTINGS) =>
  assessVote({ ...calm, ...features }, subject, settings);

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

  it('holds first votes in lockstep, with dwell times too alike, or brought by an inviter fanning out with other signals', () => {
    // A crowd answering a call bunches once; a script's accounts come back wave after wave.
    expect(assess({ accountAgeMs: 0, bunched: true, syncedVotes: 30, votesBefore: 0 }).verdict).toBe(
      'accept',
    );
    const lockstep = assess({ bunched: true, voterWaves: 1, syncedVotes: 30, votesBefore: 2 });
    expect(lockstep.verdict).toBe('review');
    expect(lockstep.reasons.map((r) => r.rule)).toEqual(['lockstep']);
    expect(lockstep.holdClusters).toEqual(['voter:p-1']);
    // The wave must be a cohort's return: a crowd called again, where 5 of the 30 were in a wave
    // before (they happened to be first at the last call too), is not; 12 of 30 is.
    const again = { bunched: true, voterWaves: 1, syncedVotes: 30, votesBefore: 2 };
    expect(assess({ ...again, syncedReturning: 5 }).verdict).toBe('accept');
    expect(assess({ ...again, syncedReturning: 12 }).reasons.map((r) => r.rule)).toEqual(['lockstep']);
    // A venue's audience answers each call from the venue's one address, and a sharp one has many
    // of the same people first again: behind an address with 15 accounts in 10 minutes, a wave is
    // a cohort's from six tenths of it back; a cohort back whole there is still held.
    expect(assess({ ...again, syncedReturning: 12, ipAccounts: 14 }).reasons.map((r) => r.rule)).toEqual([
      'lockstep',
    ]);
    expect(assess({ ...again, syncedReturning: 12, ipAccounts: 15 }).reasons.map((r) => r.rule)).toEqual([
      'ipAccounts',
    ]);
    expect(assess({ ...again, syncedReturning: 18, ipAccounts: 15 }).reasons.map((r) => r.rule)).toEqual([
      'ipAccounts',
      'lockstep',
    ]);
    // A bought cohort: WeChat doubts many of the candidate's new accounts. Its accounts WeChat
    // doubts are held; a real newcomer WeChat rates clean is not, even tapping quickly.
    const cohort = { accountAgeMs: 0, candidateRiskyNew: 8, candidateRiskyNewShare: 0.4 };
    expect(assess({ ...cohort, dwellMs: 600 }).verdict).toBe('accept');
    expect(assess({ ...cohort, wechatRiskRank: 2 }).reasons.map((r) => r.rule)).toEqual([
      'newAccount',
      'riskyCohort',
    ]);
    expect(assess({ ...cohort, wechatRiskRank: 2 }).verdict).toBe('review');
    // The same over the day: a cohort spread over hours.
    const day = { accountAgeMs: 0, wechatRiskRank: 2, candidateDayNew: 40, candidateDayRiskyNew: 12 };
    expect(assess(day).verdict).toBe('review');
    const emulators = assess({ accountAgeMs: 0, dwellTwins: 50, recentFirstVotes: 60 });
    expect(emulators.verdict).toBe('review');
    expect(emulators.reasons.at(-1)?.rule).toBe('tightDwell');
    // Humans: a few twins among many first votes.
    expect(assess({ accountAgeMs: 0, dwellTwins: 9, recentFirstVotes: 120 }).verdict).toBe('accept');
    // Over the day: 30 first votes within 30% of this dwell where the eight buckets around hold 8
    // (3 expected): a spike. Humans' dwell spreads smoothly: 30 there and 80 around is none.
    expect(assess({ accountAgeMs: 0, dayDwellTwins: 30, dayDwellAround: 8 }).verdict).toBe('review');
    expect(assess({ accountAgeMs: 0, dayDwellTwins: 30, dayDwellAround: 80 }).verdict).toBe('accept');
    // The excess must stand out of chance by three standard deviations: 18 twins where 5.25 are
    // expected is 12.75 over (71%), within chance of counts that small (13.4); at twice the counts,
    // 28 over is far out of it (20).
    expect(assess({ accountAgeMs: 0, dayDwellTwins: 18, dayDwellAround: 14 }).verdict).toBe('accept');
    expect(assess({ accountAgeMs: 0, dayDwellTwins: 40, dayDwellAround: 32 }).verdict).toBe('review');
    // At 2%: 40 within 6% where the twelve buckets 2-7 away hold 48 (12 expected) is a spike,
    // though in 10% buckets it is within chance of people's dense dwell (75 where 160 around put
    // 60). The excess must be 70% of the twins: 28 of 40 is, 27 of 39 is not.
    const dense = { accountAgeMs: 0, dayDwellTwins: 75, dayDwellAround: 160, dayFineAround: 48 };
    const fine = assess({ ...dense, dayFineTwins: 40 });
    expect(fine.verdict).toBe('review');
    // The sentence names the measure that fired.
    expect(fine.reasons.at(-1)?.text).toContain('40 first votes today within about 6%');
    expect(emulators.reasons.at(-1)?.text).toContain('first votes in 2 min (50) tapped within about 5%');
    expect(assess({ ...dense, dayFineTwins: 39 }).verdict).toBe('accept');
    // A new account's later vote (8 s after its first) with a script's dwell holds on that alone.
    const later = assess({ accountAgeMs: 8_000, dayDwellTwins: 30, dayDwellAround: 8 });
    expect(later.reasons.map((r) => r.rule)).toEqual(['tightDwell']);
    expect(later.verdict).toBe('review');
    // In a candidate's first two minutes the day is the recent window, judged by its own share: a
    // crowd opening the campaign bunches its dwell by chance there (the benchmark's crowd did).
    const opening = {
      accountAgeMs: 0,
      dayDwellTwins: 30,
      dayDwellAround: 8,
      recentFirstVotes: 60,
      dwellTwins: 12,
    };
    expect(assess({ ...opening, candidateAgeMs: 90_000 }).verdict).toBe('accept');
    expect(assess({ ...opening, candidateAgeMs: 120_000 }).verdict).toBe('review');
    // A popular sharer alone is not suspect: forty friends in ten minutes, new here, with a
    // human tap, two of them doubted by WeChat, are a group chat.
    expect(assess({ inviterInvitees: 40, inviterId: 'p-9' }).verdict).toBe('accept');
    const friend = {
      inviterInvitees: 40,
      inviterSuspects: 2,
      inviterId: 'p-9',
      accountAgeMs: 0,
      dwellMs: 4_000,
    };
    expect(assess(friend).verdict).toBe('accept');
    // A tree whose accounts show evidence of their own as a farm's do (30% of them) is held,
    // each new account with it.
    const tree = assess({ ...friend, inviterSuspects: 12 });
    expect(tree.verdict).toBe('review');
    expect(tree.reasons.map((r) => r.text)).toContain(
      "one of 40 accounts the same inviter's share links brought in 10 min, 12 of them with evidence of their own (a fast tap, no page shown, WeChat rank 2+, or a shared phone)",
    );
    expect(assess({ ...friend, inviterSuspects: 11 }).verdict).toBe('accept');
  });

  it('holds machine-regular timing and names the voter as the cluster', () => {
    const a = assess({ voterIntervalCv: 0.02, voterIntervals: 8 });
    expect(a.verdict).toBe('review');
    expect(a.reasons[0]?.text).toBe('votes at machine-regular intervals (8 of them vary by only 2%)');
    // Six intervals or more: 15% is a machine's. Fewer are not judged: four or five of a
    // person's line up by chance (a fast voter tapping through a list at a campaign's opening).
    expect(assess({ voterIntervalCv: 0.15, voterIntervals: 6 }).verdict).toBe('review');
    expect(assess({ voterIntervalCv: 0.04, voterIntervals: 4 }).verdict).toBe('accept');
    expect(assess({ voterIntervalCv: 0.04, voterIntervals: 5 }).verdict).toBe('accept');
    expect(a.holdClusters).toEqual(['voter:p-1']);
    // A person's habit over days (a vote every morning) is as regular, hours apart: not judged.
    expect(
      assess({ voterIntervalCv: 0.02, voterIntervals: 8, voterIntervalMeanMs: 6 * 3_600_000 }).verdict,
    ).toBe('review');
    expect(
      assess({ voterIntervalCv: 0.02, voterIntervals: 8, voterIntervalMeanMs: 86_400_000 }).verdict,
    ).toBe('accept');
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
