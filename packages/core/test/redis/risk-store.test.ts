import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { testRedis } from '../../../../test/support/stack.js';
import type { RiskFeatures } from '../../src/protocol/risk.js';
import type { RedisClient } from '../../src/redis/connection.js';
import { assessVotes, closeRedis, createKeys, type VoteToAssess } from '../../src/redis/index.js';
import { DEFAULT_RISK_SETTINGS } from '../../src/risk/defaults.js';
import { networksOf } from '../../src/risk/network.js';
import { assessVote } from '../../src/risk/rules.js';

const config = testConfig();
const keys = createKeys(config.keyPrefix);
const T0 = Date.UTC(2026, 0, 5, 12);
let redis: RedisClient;

beforeAll(async () => {
  redis = await testRedis(config);
});
afterAll(() => closeRedis(redis));

function vote(voterId: string, at: number, over: Partial<VoteToAssess> = {}): VoteToAssess {
  const ip = over.ip ?? `198.51.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const { net24, net16 } = networksOf(ip);
  return {
    voteId: randomId('v'),
    voterId,
    acceptedAt: T0 + at,
    candidateId: 'alice',
    ip,
    net24,
    net16,
    deviceId: randomId('dev'),
    fingerprint: 'f'.repeat(64),
    dwellMs: 5_000,
    wechatRiskRank: 0,
    ...over,
  };
}

const measure = (boardId: string, votes: VoteToAssess[]) =>
  assessVotes(redis, keys, boardId, votes, { ttlSeconds: 600, fastTapMs: 1_000 });

/** Five votes a second from `from` ms, `count` of them; and 20 held up, arriving within a second at `at` ms. */
const steadyFrom = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => vote(`crowd-${i}`, from + i * 200));
const heldUpAt = (at: number) => Array.from({ length: 20 }, (_, i) => vote(`late-${i}`, at + i * 40));

describe('assessVotes: the sequence signals', () => {
  it('counts the votes in the last two seconds against the 5 s before, and a voter’s bunched waves', async () => {
    const board = randomId('board');
    // A steady trickle, then ten accounts within 300 ms: a bunched second.
    const steady = Array.from({ length: 12 }, (_, i) =>
      vote(`calm-${i}`, i * 10_000, { dwellMs: 3_000 + i * 411 }),
    );
    const wave = Array.from({ length: 10 }, (_, i) =>
      vote(`wave-${i}`, 120_000 + i * 30, { dwellMs: 4_000 + i * 377 }),
    );
    const measured = await measure(board, [...steady, ...wave]);
    const last = measured.at(-1);
    expect(last).toMatchObject({ syncedVotes: 10, votesBefore: 0, bunched: true, voterWaves: 0 });
    // The spike window (2 min) reaches back past all but the first steady vote.
    expect(last?.recentFirstVotes).toBe(21);
    expect(measured[8]?.bunched).toBe(false);
    // The same accounts again a minute later: their second bunched wave.
    const again = await measure(
      board,
      Array.from({ length: 10 }, (_, i) => vote(`wave-${i}`, 180_000 + i * 30)),
    );
    expect(again.at(-1)).toMatchObject({ bunched: true, voterWaves: 1, recentFirstVotes: 0 });
  });

  it('counts a voter’s votes in one bunched stretch as one wave', async () => {
    const board = randomId('board');
    // A campaign opens: 20 accounts tap within 400 ms, and each taps again 500 ms later, while
    // the pace is still far above the nothing before it.
    const opening = Array.from({ length: 20 }, (_, i) => vote(`fast-${i}`, i * 20));
    const again = Array.from({ length: 20 }, (_, i) => vote(`fast-${i}`, 500 + i * 20));
    const measured = await measure(board, [...opening, ...again]);
    expect(measured.at(-1)).toMatchObject({ bunched: true, voterWaves: 0 });
    // A second wave is a later one: the same accounts bunched again a minute on.
    const later = Array.from({ length: 20 }, (_, i) => vote(`fast-${i}`, 60_000 + i * 40));
    expect((await measure(board, later)).at(-1)).toMatchObject({ bunched: true, voterWaves: 1 });
  });

  it('ends a voter’s wave 15 s after its first second', async () => {
    const board = randomId('board');
    // Three bursts of 20 accounts, each alone in its seconds: at 0 s, 14 s and 29 s.
    const burst = (at: number) => Array.from({ length: 20 }, (_, i) => vote(`beat-${i}`, at + i * 20));
    const [first, sameWave, nextWave] = [
      await measure(board, burst(0)),
      await measure(board, burst(14_000)),
      await measure(board, burst(29_000)),
    ];
    expect(first.at(-1)).toMatchObject({ bunched: true, voterWaves: 0 });
    // 14 s after the wave began: still that wave.
    expect(sameWave.at(-1)).toMatchObject({ bunched: true, voterWaves: 0 });
    // 15 s after it (29 s is 15 s past the 14 s burst, but the wave began at 0 s): a second wave.
    expect(nextWave.at(-1)).toMatchObject({ bunched: true, voterWaves: 1 });
    // A batch measured late (another worker's), its votes accepted in the first wave: counted with
    // the waves already known, not as a third.
    const late = await measure(board, burst(7_000));
    expect(late.at(-1)).toMatchObject({ bunched: true, voterWaves: 1 });
    // And the voter's last wave still began at 29 s: a tap 10 s later is that wave.
    const after = await measure(board, burst(39_000));
    expect(after.at(-1)).toMatchObject({ voterWaves: 1 });
  });

  it('keeps a crowd that keeps coming unbunched', async () => {
    const board = randomId('board');
    // 12 votes a second for 8 s: each two seconds are like the five before them.
    const crowd = Array.from({ length: 96 }, (_, i) =>
      vote(`fan-${i}`, Math.floor(i / 12) * 1_000 + (i % 12) * 80),
    );
    const measured = await measure(board, crowd);
    expect(measured.at(-1)).toMatchObject({ syncedVotes: 24, votesBefore: 60, bunched: false });
  });

  it('sees no bunch when a crowd held up for seconds arrives at its usual pace, and one when a quiet candidate gets it', async () => {
    const board = randomId('board');
    // Five votes a second from a candidate's first, for half a minute, then nothing for 6 s (a
    // stalled server), then 20 within a second: the votes held up, arriving together.
    const steady = steadyFrom(0, 150);
    const heldUp = heldUpAt(36_000);
    const measured = [...(await measure(board, steady)), ...(await measure(board, heldUp))];
    expect(measured.at(-1)).toMatchObject({ syncedVotes: 20, votesBefore: 0, bunched: false });
    // The same 20 for a candidate that had one vote every 10 s: four times its pace and more.
    const quiet = Array.from({ length: 3 }, (_, i) => vote(`calm-${i}`, i * 10_000, { candidateId: 'bob' }));
    const wave = heldUp.map((v, i) => vote(`bob-${i}`, v.acceptedAt - T0, { candidateId: 'bob' }));
    expect((await measure(board, [...quiet, ...wave])).at(-1)).toMatchObject({
      syncedVotes: 20,
      bunched: true,
    });
  });

  it('judges a held-up crowd measured after a later vote on its usual pace too', async () => {
    const board = randomId('board');
    // Five votes a second for 70 s, nothing for 6 s, then a vote at 77 s measured before the 20
    // held up at 76 s (another worker's batch, measured first).
    const steady = steadyFrom(0, 350);
    for (let i = 0; i < steady.length; i += 175) await measure(board, steady.slice(i, i + 175));
    await measure(board, [vote('ahead', 77_000)]);
    const heldUp = heldUpAt(76_000);
    expect((await measure(board, heldUp)).at(-1)).toMatchObject({
      syncedVotes: 20,
      votesBefore: 0,
      bunched: false,
    });
  });

  it('takes the usual pace of a candidate quiet for minutes from when its votes came back', async () => {
    const board = randomId('board');
    // A vote at the start, nothing for five minutes, then five a second for 30 s, nothing for
    // 6 s, and 20 held up within a second.
    const steady = steadyFrom(300_000, 150);
    await measure(board, [vote('early', 0), ...steady]);
    const heldUp = heldUpAt(336_000);
    expect((await measure(board, heldUp)).at(-1)).toMatchObject({
      syncedVotes: 20,
      votesBefore: 0,
      bunched: false,
    });
  });

  it('takes the usual pace from the busy minutes of the half hour before, after a gap of minutes', async () => {
    const board = randomId('board');
    // Five votes a second for a minute, nothing for three (a host between two calls, a server
    // down), then 20 within a second: the crowd back at its pace, not a wave.
    const steady = steadyFrom(0, 300);
    for (let i = 0; i < steady.length; i += 150) await measure(board, steady.slice(i, i + 150));
    expect((await measure(board, heldUpAt(240_000))).at(-1)).toMatchObject({
      syncedVotes: 20,
      votesBefore: 0,
      bunched: false,
    });
  });

  it('still sees the waves of a cohort that is all a candidate has, minutes apart', async () => {
    const board = randomId('board');
    const wave = (at: number) =>
      Array.from({ length: 20 }, (_, i) => vote(`cohort-${i}`, at + i * 40, { candidateId: 'bob' }));
    await measure(board, wave(0));
    expect((await measure(board, wave(240_000))).at(-1)).toMatchObject({
      syncedVotes: 20,
      bunched: true,
      voterWaves: 1,
    });
  });

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
    const last = measured.at(-1);
    expect(last?.candidateDayNew).toBe(40);
    expect(last?.candidateDayRiskyNew).toBe(5);
    const lastEmulator = measured[all.indexOf(emulators.at(-1) as VoteToAssess)];
    // Its bucket and the two beside it hold the ten emulators and the people near 2 s (three of
    // them, one bucket each); the buckets 2 to 5 away either side hold a person each.
    expect(lastEmulator?.dayDwellTwins).toBeGreaterThanOrEqual(10);
    expect(lastEmulator?.dayDwellAround).toBe(8);
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
    const dwells = counts.flatMap(([d, n]) =>
      Array.from({ length: n }, () => Math.ceil(1.1 ** (centre + d) * 1.01)),
    );
    const people = dwells.map((dwellMs, i) => vote(`person-${i}`, i * 2_000, { dwellMs }));
    await measure(board, people);
    const oneMore = vote('one-more', 210_000, { dwellMs: Math.ceil(1.1 ** centre * 1.01) });
    const [last] = await measure(board, [oneMore]);
    expect(last).toMatchObject({ dayDwellTwins: 35, dayDwellAround: 41 });
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
