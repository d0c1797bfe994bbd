import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import type { RiskFeatures } from '../../src/protocol/risk.js';
import type { VoteToAssess } from '../../src/redis/index.js';
import { DEFAULT_RISK_SETTINGS } from '../../src/risk/defaults.js';
import { assessVote } from '../../src/risk/rules.js';
import { useRiskStore, vote } from './risk-votes.js';

const { measure, voterAsLeft } = useRiskStore();

describe('assessVotes: the sequence signals', () => {
  it('counts the first votes whose dwell is within 5% of this one', async () => {
    const board = randomId('board');
    const dwells = [2_000, 2_040, 1_950, 2_090, 2_200, 6_000, 900];
    const measured = await measure(
      board,
      dwells.map((dwellMs, i) => vote(`emu-${i}`, i * 1_000, { dwellMs })),
    );
    // The fifth (2,090 ms) has 2,000, 2,040 and itself within 5% (1,950 is 7% off).
    expect(measured[3]?.dwellTwins).toBe(3);
    expect(measured[6]?.dwellTwins).toBe(1);
  });

  it('counts a network’s accounts for a candidate again among those new here with evidence of their own', async () => {
    const board = randomId('board');
    const ip = '203.0.113.7';
    const votes = [
      vote('fast-1', 0, { ip, dwellMs: 400 }),
      vote('risky-2', 1_000, { ip, wechatRiskRank: 2 }),
      vote('calm-3', 2_000, { ip }),
      vote('calm-4', 3_000, { ip }),
    ];
    const measured = await measure(board, votes);
    expect(measured.map((f) => f.ownEvidence)).toEqual([true, true, false, false]);
    expect(measured.map((f) => f.ipCandidateAccounts)).toEqual([1, 2, 3, 4]);
    expect(measured.map((f) => f.ipCandidateSuspects)).toEqual([1, 2, 2, 2]);
    // A second account on the same phone is evidence too.
    const shared = await measure(board, [
      vote('phone-a', 4_000, { ip, deviceId: 'dev-shared' }),
      vote('phone-b', 5_000, { ip, deviceId: 'dev-shared' }),
    ]);
    expect(shared.map((f) => f.ownEvidence)).toEqual([false, true]);
    expect(shared[1]?.ipCandidateSuspects).toBe(3);
  });

  it('counts an inviter’s invitees, and a ring only through a shared phone, not a shared /24', async () => {
    const board = randomId('board');
    const ip = '192.0.2.10';
    await measure(board, [vote('host', 0, { ip, deviceId: 'dev-host' })]);
    const roommate = await measure(board, [vote('roommate', 1_000, { ip: '192.0.2.11', inviterId: 'host' })]);
    expect(roommate[0]?.sharesWithInviter).toBe(false);
    expect(roommate[0]?.inviterInvitees).toBe(1);
    const samePhone = await measure(board, [
      vote('alt', 2_000, { ip, deviceId: 'dev-host', inviterId: 'host' }),
    ]);
    expect(samePhone[0]?.sharesWithInviter).toBe(true);
    expect(samePhone[0]?.ringDepth).toBe(1);
    expect(samePhone[0]?.inviterInvitees).toBe(2);
  });

  it('does not climb a pair’s ring depth: two accounts of one phone, each come through the other’s link', async () => {
    const board = randomId('board');
    const phone = { ip: '192.0.2.20', deviceId: 'dev-couple' };
    await measure(board, [vote('wife', 0, phone)]);
    const days = [1, 2, 3, 4].map((d) => d * 86_400_000);
    const depths = [];
    for (const at of days) {
      const [husband, wife] = await measure(board, [
        vote('husband', at, { ...phone, inviterId: 'wife' }),
        vote('wife', at + 60_000, { ...phone, inviterId: 'husband' }),
      ]);
      depths.push(husband?.ringDepth, wife?.ringDepth);
    }
    expect(depths).toEqual([1, 2, 2, 2, 2, 2, 2, 2]);
    // A chain of fresh accounts on one phone still climbs a step per account.
    const chain = await measure(
      board,
      ['c1', 'c2', 'c3', 'c4'].map((id, i, ids) =>
        vote(id, 5 * 86_400_000 + i * 1_000, {
          ...phone,
          deviceId: 'dev-chain',
          inviterId: ids[i - 1] ?? '',
        }),
      ),
    );
    expect(chain.map((f) => f.ringDepth)).toEqual([0, 1, 2, 3]);
    // A pair's account that comes through a third one's link is in a chain again: it climbs.
    const [lodger, husband] = await measure(board, [
      vote('lodger', 6 * 86_400_000, { ...phone, inviterId: 'wife' }),
      vote('husband', 6 * 86_400_000 + 1_000, { ...phone, inviterId: 'lodger' }),
    ]);
    expect([lodger?.ringDepth, husband?.ringDepth]).toEqual([3, 4]);
    // A depth an older build kept without its inviter (here a couple's grown one) counts again from here.
    await voterAsLeft(board, 'old-wife', { d: 'dev-old', ring: '7' });
    const [oldHusband] = await measure(board, [
      vote('old-husband', 7 * 86_400_000, { ...phone, deviceId: 'dev-old', inviterId: 'old-wife' }),
    ]);
    expect(oldHusband?.ringDepth).toBe(1);
  });

  it('counts an inviter’s invitees again among those new here with evidence of their own, over 10 minutes', async () => {
    const board = randomId('board');
    // Each on an address of its own (a block each), so only the link is shared.
    const invited = (voter: string, at: number, extra: Partial<VoteToAssess>) =>
      vote(voter, at, {
        inviterId: 'sharer',
        ip: `198.51.${1 + (Math.floor(at / 1_000) % 250)}.9`,
        ...extra,
      });
    const measured = await measure(board, [
      invited('friend-1', 0, { dwellMs: 4_000 }),
      invited('doubted-2', 1_000, { dwellMs: 5_000, wechatRiskRank: 2 }),
      invited('fast-3', 2_000, { dwellMs: 300 }),
      invited('friend-4', 3_000, { dwellMs: 6_000 }),
    ]);
    expect(measured.map((f) => f.inviterInvitees)).toEqual([1, 2, 3, 4]);
    expect(measured.map((f) => f.inviterSuspects)).toEqual([0, 1, 2, 2]);
    // Ten minutes on, the early ones have left the window.
    const fifth = invited('friend-5', 601_500, { dwellMs: 4_500 });
    const later = await measure(board, [fifth]);
    expect(later[0]?.inviterInvitees).toBe(3);
    expect(later[0]?.inviterSuspects).toBe(1);
    // Measured again (a re-delivered job), the same.
    expect((await measure(board, [fifth]))[0]).toEqual(later[0]);
  });

  it('keeps the day’s first votes of a candidate, those WeChat doubts, and their dwell around each', async () => {
    const board = randomId('board');
    // Forty first votes over six hours: ten emulators at 2,000 ms ± 1%, thirty people spread widely.
    const emulators = Array.from({ length: 10 }, (_, i) =>
      vote(`emu-${i}`, i * 1_800_000, { dwellMs: 1_990 + i * 2, wechatRiskRank: i % 2 === 0 ? 2 : 0 }),
    );
    const people = Array.from({ length: 30 }, (_, i) =>
      vote(`person-${i}`, 900_000 + i * 600_000, { dwellMs: Math.round(1_000 * 1.1 ** (i % 30)) }),
    );
    const all = [...emulators, ...people].sort((a, b) => a.acceptedAt - b.acceptedAt);
    const measured = await measure(board, all);
    // Counted for an account WeChat doubts, the only one the risky cohort judges (this one too).
    const [doubted] = await measure(board, [vote('doubted', 6 * 3_600_000, { wechatRiskRank: 2 })]);
    expect(doubted?.candidateDayNew).toBe(41);
    expect(doubted?.candidateDayRiskyNew).toBe(6);
    expect(measured.at(-1)?.candidateDayNew).toBe(0);
    const lastEmulator = measured[all.indexOf(emulators.at(-1) as VoteToAssess)];
    // Its bucket and the two beside it hold the ten emulators and the people near 2 s (three of
    // them, one bucket each); the buckets 2 to 5 away either side hold a person each.
    expect(lastEmulator?.dayDwellTwins).toBeGreaterThanOrEqual(10);
    expect(lastEmulator?.dayDwellAround).toBe(8);
  });

  it('judges a new account’s later votes by the day’s dwell too, and holds a script’s on that alone', async () => {
    const board = randomId('board');
    // Twenty emulators' first votes at 2,000 ms ± 1% over an hour, and thirty people spread widely.
    const emulators = Array.from({ length: 20 }, (_, i) =>
      vote(`emu-${i}`, i * 180_000, { dwellMs: 1_980 + i * 2 }),
    );
    const people = Array.from({ length: 30 }, (_, i) =>
      vote(`person-${i}`, 60_000 + i * 120_000, { dwellMs: Math.round(1_000 * 1.1 ** (i % 30)) }),
    );
    await measure(
      board,
      [...emulators, ...people].sort((a, b) => a.acceptedAt - b.acceptedAt),
    );
    // The last emulator taps again 8 s later: not its first vote here, but its account is new.
    const again = vote('emu-19', 19 * 180_000 + 8_000, { dwellMs: 2_010 });
    const [measured] = await measure(board, [again]);
    expect(measured?.accountAgeMs).toBe(8_000);
    expect(measured?.dayDwellTwins).toBeGreaterThanOrEqual(20);
    const verdict = assessVote(measured as RiskFeatures, again, DEFAULT_RISK_SETTINGS);
    expect(verdict.reasons.map((r) => r.rule)).toEqual(['tightDwell']);
    expect(verdict.verdict).toBe('review');
  });

  it('sees a script within 1% of people’s own dense dwell, which 10% buckets blur', async () => {
    const board = randomId('board');
    // Over two and a half hours: 260 people spread evenly (in log) from 2 s to 7.2 s, about 19 to
    // a 10% bucket and 4 to a 2% one, and 36 emulators at 3,790 ms ± 0.5% among them.
    const people = Array.from({ length: 260 }, (_, i) => ({
      who: `person-${i}`,
      dwellMs: Math.round(2_000 * 1.005 ** i),
    }));
    const emulators = Array.from({ length: 36 }, (_, i) => ({
      who: `emu-${i}`,
      dwellMs: 3_771 + (i % 10) * 4,
    }));
    const all = people.flatMap((p, i) => [p, ...(i % 7 === 3 ? [emulators[(i - 3) / 7]] : [])]);
    const votes = all.flatMap((x, i) => (x ? [vote(x.who, i * 30_000, { dwellMs: x.dwellMs })] : []));
    const measured = await measure(board, votes);
    const lastEmulator = votes.findLastIndex((v) => v.voterId.startsWith('emu-'));
    const features = measured[lastEmulator] as RiskFeatures;
    // In 10% buckets the script is 36 of 93 (58 expected from the 154 around): under a share of
    // 0.7. In 2% buckets it is 36 of 48, where the twelve buckets 2-7 away (48) put 12.
    expect(features).toMatchObject({
      dayDwellTwins: 93,
      dayDwellAround: 154,
      dayFineTwins: 48,
      dayFineAround: 48,
    });
    const verdict = assessVote(features, votes[lastEmulator] as VoteToAssess, DEFAULT_RISK_SETTINGS);
    expect(verdict.reasons.map((r) => r.rule)).toEqual(['newAccount', 'tightDwell']);
    // A person's dwell away from the script is not.
    const person = votes.findLastIndex((v) => v.voterId.startsWith('person-') && (v.dwellMs ?? 0) > 5_000);
    const personVerdict = assessVote(
      measured[person] as RiskFeatures,
      votes[person] as VoteToAssess,
      DEFAULT_RISK_SETTINGS,
    );
    expect(personVerdict.reasons.map((r) => r.rule)).toEqual(['newAccount']);
  });

  it('does not take people whose dwell peaks smoothly, with a hole beside the peak, for a script', async () => {
    const board = randomId('board');
    // 75 people's first votes over two and a half minutes, in 10% dwell buckets around 3.6 s, as a
    // seeded sweep drew them (docs/simulator.md, opening-rush): a smooth peak, one bucket empty.
    const counts: [number, number][] = [
      [-5, 5],
      [-4, 5],
      [-3, 5],
      [-2, 8],
      [-1, 13],
      [0, 13],
      [1, 8],
      [2, 7],
      [3, 0],
      [4, 4],
      [5, 7],
    ];
    const centre = Math.floor(Math.log(3_629) / Math.log(1.1));
    // Each bucket's people spread evenly across its width, as people's dwell is.
    const dwells = counts.flatMap(([d, n]) =>
      Array.from({ length: n }, (_, j) => Math.ceil(1.1 ** (centre + d + (j + 0.5) / n))),
    );
    const people = dwells.map((dwellMs, i) => vote(`person-${i}`, i * 2_000, { dwellMs }));
    await measure(board, people);
    const oneMore = vote('one-more', 210_000, { dwellMs: Math.ceil(1.1 ** centre * 1.01) });
    const [last] = await measure(board, [oneMore]);
    // At 2% it is smooth too: 9 within 6% where the twelve buckets around put 6.75.
    expect(last).toMatchObject({ dayDwellTwins: 35, dayDwellAround: 41, dayFineTwins: 9, dayFineAround: 27 });
    const verdict = assessVote(last as RiskFeatures, oneMore, DEFAULT_RISK_SETTINGS);
    expect(verdict.reasons.map((r) => r.rule)).not.toContain('tightDwell');
  });

  it('counts the intervals a voter’s timing is judged on', async () => {
    const board = randomId('board');
    const votes = Array.from({ length: 7 }, (_, i) => vote('steady', i * 60_000));
    const measured = await measure(board, votes);
    expect(measured.map((f) => f.voterIntervals)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(measured.at(-1)?.voterIntervalCv).toBe(0);
  });

  it('takes a voter who votes every morning for a week for a person, and a timer every minute for a script', async () => {
    const board = randomId('board');
    const DAY = 86_400_000;
    // Once a day on the way to work: within twenty minutes of the same time, nine days running.
    const mornings = Array.from({ length: 9 }, (_, i) =>
      vote('commuter', i * DAY + (((i * 7) % 5) - 2) * 600_000, {
        ip: '198.51.100.40',
        deviceId: 'dev-commuter',
      }),
    );
    const habits: string[] = [];
    for (const v of mornings) {
      const [features] = await measure(board, [v]);
      habits.push(assessVote(features as RiskFeatures, v, DEFAULT_RISK_SETTINGS).verdict);
    }
    expect(habits).toEqual(Array(9).fill('accept'));
    // A script voting every minute (±1%) is held from its seventh vote, as before.
    const ticks = Array.from({ length: 8 }, (_, i) =>
      vote('timer', i * 60_000 + (i % 2) * 600, { ip: '198.51.100.41', deviceId: 'dev-timer' }),
    );
    const timer: string[] = [];
    for (const v of ticks) {
      const [features] = await measure(board, [v]);
      timer.push(assessVote(features as RiskFeatures, v, DEFAULT_RISK_SETTINGS).verdict);
    }
    expect(timer.slice(0, 6)).toEqual(Array(6).fill('accept'));
    expect(timer.slice(6)).toEqual(['review', 'review']);
  });

  it('sees a ring through a /24 only when the invitee’s phone carries another account', async () => {
    const board = randomId('board');
    await measure(board, [vote('inviter', 0, { ip: '192.0.2.20', deviceId: 'dev-a' })]);
    await measure(board, [vote('other', 1_000, { ip: '192.0.2.21', deviceId: 'dev-b' })]);
    const sharedPhone = await measure(board, [
      vote('invitee', 2_000, { ip: '192.0.2.22', deviceId: 'dev-b', inviterId: 'inviter' }),
    ]);
    expect(sharedPhone[0]?.sharesWithInviter).toBe(true);
  });
});
