import { describe, expect, it } from 'vitest';
import { DwellClock } from '../../services/dwell.js';

describe('the dwell clock', () => {
  it('measures from the page being shown to the tap, starting over each time it is shown', () => {
    const clock = new DwellClock();
    expect(clock.sinceShown(1_000)).toBeUndefined();
    clock.shown(1_000);
    expect(clock.sinceShown(3_500)).toBe(2_500);
    clock.hidden();
    expect(clock.sinceShown(4_000)).toBeUndefined();
    clock.shown(10_000);
    expect(clock.sinceShown(10_250)).toBe(250);
  });

  it('keeps within what the server takes: never negative, at most 24 hours', () => {
    const clock = new DwellClock();
    clock.shown(5_000);
    expect(clock.sinceShown(4_000)).toBe(0);
    expect(clock.sinceShown(5_000 + 48 * 3_600_000)).toBe(24 * 3_600_000);
  });
});
