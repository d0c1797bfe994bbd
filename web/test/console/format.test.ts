import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatRate,
  formatShare,
  formatTime,
  fromLocalInput,
  toLocalInput,
} from '../../src/console/format.js';

describe('figures on the console', () => {
  it('show lags in 毫秒, 秒 and 分', () => {
    expect(formatDuration(0)).toBe('0 毫秒');
    expect(formatDuration(850)).toBe('850 毫秒');
    expect(formatDuration(2_340)).toBe('2.3 秒');
    expect(formatDuration(125_000)).toBe('2 分 5 秒');
    expect(formatDuration(120_000)).toBe('2 分');
  });

  it('show rates with one decimal below 10, and shares as percentages', () => {
    expect(formatRate(0.25)).toBe('0.3');
    expect(formatRate(1_234.4)).toBe('1,234');
    expect(formatShare(1, 3)).toBe('33.3%');
    expect(formatShare(0, 0)).toBe('0%');
  });

  it("show and read times in the campaign's timezone, whatever the browser's", () => {
    expect(formatTime('2026-03-01T12:00:00.000Z', 'Asia/Shanghai')).toBe('2026-03-01 20:00:00');
    expect(toLocalInput('2026-03-01T12:00:00.000Z', 'Asia/Shanghai')).toBe('2026-03-01T20:00');
    expect(fromLocalInput('2026-03-01T20:00', 'Asia/Shanghai')).toBe('2026-03-01T12:00:00.000Z');
    expect(fromLocalInput('2026-07-01T09:30', 'Europe/Berlin')).toBe('2026-07-01T07:30:00.000Z');
    expect(fromLocalInput('', 'Asia/Shanghai')).toBe('');
    // A mistyped zone reads as no time, for the form's schema to name the field, not as a throw.
    expect(fromLocalInput('2026-03-01T20:00', 'Asia/Shangai')).toBe('');
    expect(fromLocalInput('2026-03-01T20:00', '')).toBe('');
  });
});
