import { describe, expect, it } from 'vitest';
import { assess } from './rules-fixture.js';

/** The rules that read behaviour over a sequence of votes: lockstep waves, dwell twins, a referral tree's fan-out, a voter's timing. */
describe('assessVote, on sequences of votes', () => {
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
});
