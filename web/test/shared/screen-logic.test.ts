import type { ScreenView } from '@rallyboard/core/protocol';
import { moveLabel, rankMoves } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { contrastRatio, parseColor } from '../../src/shared/contrast.js';
import { formatCountdown } from '../../src/shared/countdown.js';
import { screenPhase } from '../../src/shared/phase.js';
import { REVEAL_STEP_MS, revealedCount, revealOrder } from '../../src/shared/reveal.js';
import { VoteRate } from '../../src/shared/vote-rate.js';

describe('the countdown', () => {
  it('reads as minutes, hours, then days, and never goes below zero', () => {
    expect(formatCountdown(65_000)).toBe('01:05');
    expect(formatCountdown(3_600_000 + 61_000)).toBe('01:01:01');
    expect(formatCountdown(2 * 86_400_000 + 5_000)).toBe('2天 00:00:05');
    expect(formatCountdown(-5_000)).toBe('00:00');
    expect(formatCountdown(400)).toBe('00:01');
  });
});

describe('rank-change arrows', () => {
  it('point up or down by the ranks moved, and mark newcomers', () => {
    const moves = rankMoves(
      new Map([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]),
      new Map([
        ['c', 1],
        ['a', 2],
        ['b', 3],
        ['d', 4],
      ]),
    );
    expect(moveLabel(moves.get('c'))).toBe('▲2');
    expect(moveLabel(moves.get('a'))).toBe('▼1');
    expect(moveLabel(moves.get('d'))).toBe('NEW');
    expect(moveLabel(rankMoves(new Map([['a', 1]]), new Map([['a', 1]])).get('a'))).toBe('');
  });
});

describe('the reveal', () => {
  const entries = [1, 2, 3].map((rank) => ({ rank, candidateId: `c${rank}`, score: 10 - rank }));
  it('goes from the last rank to the first, one step at a time from the host press', () => {
    expect(revealOrder(entries).map((e) => e.rank)).toEqual([3, 2, 1]);
    expect(revealedCount(1_000, 999, 3)).toBe(0);
    expect(revealedCount(1_000, 1_000, 3)).toBe(1);
    expect(revealedCount(1_000, 1_000 + REVEAL_STEP_MS, 3)).toBe(2);
    expect(revealedCount(1_000, 1_000 + 10 * REVEAL_STEP_MS, 3)).toBe(3);
  });
});

describe('the phase a screen shows', () => {
  const view = (status: ScreenView['campaign']['status'], revealedAt?: number) =>
    ({
      campaign: { status },
      reveal:
        revealedAt === undefined ? null : { revealedAt: new Date(revealedAt).toISOString(), entries: [] },
    }) as unknown as ScreenView;
  it('follows the campaign, with the reveal before the podium', () => {
    expect(screenPhase(view('scheduled'), 0)).toBe('upcoming');
    expect(screenPhase(view('live'), 0)).toBe('live');
    expect(screenPhase(view('frozen'), 0)).toBe('frozen');
    expect(screenPhase(view('frozen', 0), 0)).toBe('reveal');
    expect(screenPhase(view('ended'), 0)).toBe('podium');
  });
});

describe('votes per minute', () => {
  it('is the growth over the last minute, and drops to zero when votes stop', () => {
    const rate = new VoteRate();
    rate.add(0, 0);
    rate.add(30_000, 30);
    rate.add(60_000, 90);
    expect(rate.perMinute(60_000)).toBe(90);
    expect(rate.perMinute(150_000)).toBe(0);
    rate.add(160_000, 10); // a rebuild or a void lowered the total: no negative rate
    expect(rate.perMinute(160_000)).toBe(0);
  });

  it("starts from the server's last minute when the screen opens after the votes", () => {
    const rate = new VoteRate();
    rate.snapshot(100_000, 40, 4);
    expect(rate.perMinute(100_000)).toBe(4);
    rate.add(110_000, 42);
    expect(rate.perMinute(110_000)).toBe(6);
    // The server's minute ages out like any other.
    expect(rate.perMinute(169_000)).toBe(2);
    expect(rate.perMinute(170_000)).toBe(0);
    // A resync later (a snapshot of a series already going) changes nothing.
    rate.snapshot(180_000, 42, 30);
    expect(rate.perMinute(180_000)).toBe(0);
  });
});

describe('contrast', () => {
  it('computes WCAG ratios from computed styles', () => {
    const white = parseColor('rgb(255, 255, 255)');
    const black = parseColor('#000000');
    expect(contrastRatio(white?.rgb ?? [0, 0, 0], black?.rgb ?? [0, 0, 0])).toBeCloseTo(21, 5);
    expect(parseColor('rgba(11, 16, 32, 0.96)')?.alpha).toBe(0.96);
  });
});
