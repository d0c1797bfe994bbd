import { describe, expect, it } from 'vitest';
import { randomId } from '../../../../test/support/config.js';
import { T0, useRiskStore, vote } from './risk-votes.js';

/** assessVotes' bunched moments: a candidate's votes in its last seconds, its usual pace, a voter's waves. */
const { measure } = useRiskStore();

/** Five votes a second from `from` ms, `count` of them; and 20 held up, arriving within a second at `at` ms. */
const steadyFrom = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => vote(`crowd-${i}`, from + i * 200));
const heldUpAt = (at: number) => Array.from({ length: 20 }, (_, i) => vote(`late-${i}`, at + i * 40));
/** 20 votes for bob within a second from `at` ms, by `cohort-0` to `cohort-19` (or whom `who` names). */
const cohortAt = (at: number, who: (i: number) => string = (i) => `cohort-${i}`) =>
  Array.from({ length: 20 }, (_, i) => vote(who(i), at + i * 40, { candidateId: 'bob' }));

describe('assessVotes: bunched moments and waves', () => {
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

  it('keeps a second’s votes when a vote measured more than eight seconds late comes for its slot', async () => {
    const board = randomId('board');
    await measure(
      board,
      Array.from({ length: 20 }, (_, i) => vote(`now-${i}`, 108_000 + i * 40)),
    );
    // A vote of second 100 (a job retried after an outage), whose ring slot second 108 holds.
    await measure(board, [vote('late', 100_500)]);
    const [next] = await measure(board, [vote('next', 108_900)]);
    expect(next?.syncedVotes).toBe(21);
  });

  it('keeps a candidate’s first votes newest first when one is measured late', async () => {
    const board = randomId('board');
    await measure(board, [vote('first-new', 200_000, { dwellMs: 4_000 })]);
    // A first vote of 200 s before (a job retried after an outage), past the two-minute window.
    await measure(board, [vote('first-late', 0, { dwellMs: 4_000 })]);
    const [next] = await measure(board, [vote('first-next', 201_000, { dwellMs: 4_000 })]);
    expect(next).toMatchObject({ recentFirstVotes: 2, dwellTwins: 2 });
    // Late between two: in its place, so a vote whose window it has left still sees the newer.
    const other = randomId('board');
    await measure(other, [vote('at-50', 50_000), vote('at-200', 200_000)]);
    await measure(other, [vote('at-100', 100_000)]);
    const [after] = await measure(other, [vote('at-225', 225_000)]);
    expect(after?.recentFirstVotes).toBe(2);
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

  it('forgets a voter’s waves once the last began hours ago: a show’s audience, quick again the next evening', async () => {
    const board = randomId('board');
    const DAY = 86_400_000;
    const [evening, nextEvening] = [
      await measure(
        board,
        cohortAt(0, (i) => `fan-${i}`),
      ),
      await measure(
        board,
        cohortAt(DAY, (i) => `fan-${i}`),
      ),
    ];
    expect(evening.at(-1)).toMatchObject({ bunched: true, voterWaves: 0 });
    // A day later the same twenty are first again: a new first wave, none of them back from one.
    expect(nextEvening.at(-1)).toMatchObject({ bunched: true, voterWaves: 0, syncedReturning: 0 });
    // Back twenty minutes on, they are back from that wave, as before: the eleven who were in its
    // bunched part (the first nine tapped before the moment was bunched).
    const again = await measure(
      board,
      cohortAt(DAY + 1_200_000, (i) => `fan-${i}`),
    );
    expect(again.at(-1)).toMatchObject({ bunched: true, voterWaves: 1, syncedReturning: 11 });
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
    await measure(board, cohortAt(0));
    expect((await measure(board, cohortAt(240_000))).at(-1)).toMatchObject({
      syncedVotes: 20,
      bunched: true,
      voterWaves: 1,
    });
  });

  it('counts the votes of a bunched moment from voters in a wave before: a cohort back whole, a crowd back at random', async () => {
    const board = randomId('board');
    // The first wave is bunched from its tenth vote: cohort-9 to cohort-19 were in it.
    await measure(board, cohortAt(0));
    const back = await measure(board, cohortAt(240_000));
    expect(back.at(-1)).toMatchObject({ syncedVotes: 20, bunched: true, voterWaves: 1, syncedReturning: 11 });
    // At the next call, 3 of the first 20 were in a wave before; the others are new faces.
    const crowd = await measure(
      board,
      cohortAt(480_000, (i) => (i === 10 || i === 13 || i === 16 ? `cohort-${i}` : `fan-${i}`)),
    );
    expect(crowd.at(-1)).toMatchObject({ syncedVotes: 20, bunched: true, syncedReturning: 3 });
  });

  it('forgets a second’s returning votes when its slot of the ring is taken by a later second', async () => {
    const board = randomId('board');
    await measure(board, cohortAt(0));
    await measure(board, cohortAt(240_000));
    // A vote a second after the return, from new faces, to 249 s: second 248 takes 240's slot.
    const after = Array.from({ length: 9 }, (_, i) =>
      vote(`fan-${i}`, 241_000 + i * 1_000, { candidateId: 'bob' }),
    );
    const measured = await measure(board, after);
    expect(measured[0]).toMatchObject({ syncedVotes: 21, syncedReturning: 11 });
    expect(measured.at(-1)).toMatchObject({ syncedVotes: 2, syncedReturning: 0 });
  });

  it('does not count a voter’s second tap in their own wave as one back, bunched or not', async () => {
    const board = randomId('board');
    await measure(board, cohortAt(0));
    // cohort-19 taps again 5 s into its wave, alone for the candidate then: not bunched, and not back.
    const [again] = await measure(board, [vote('cohort-19', 5_000, { candidateId: 'bob' })]);
    expect(again).toMatchObject({ bunched: false, voterWaves: 1, syncedReturning: 0 });
  });
});
