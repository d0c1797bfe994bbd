import { describe, expect, it } from 'vitest';
import { nextPeriodStart, periodEnd, periodStart } from '../../src/protocol/periods.js';

describe('periods', () => {
  it('a day is its own period', () => {
    expect(periodStart('2026-12-05', 'day')).toBe('2026-12-05');
    expect(nextPeriodStart('2026-12-31', 'day')).toBe('2027-01-01');
    expect(periodEnd('2026-12-05', 'day')).toBe('2026-12-05');
  });

  it('a week starts on Monday unless the board says otherwise', () => {
    // 2026-12-05 is a Saturday; 2026-11-30 a Monday.
    expect(periodStart('2026-12-05', 'week')).toBe('2026-11-30');
    expect(periodStart('2026-11-30', 'week')).toBe('2026-11-30');
    expect(periodStart('2026-12-06', 'week')).toBe('2026-11-30');
    expect(periodStart('2026-12-07', 'week')).toBe('2026-12-07');
    // Sunday-first weeks: Saturday belongs to the week that began the Sunday before.
    expect(periodStart('2026-12-05', 'week', 7)).toBe('2026-11-29');
    expect(periodStart('2026-12-06', 'week', 7)).toBe('2026-12-06');
    // Saturday-first.
    expect(periodStart('2026-12-05', 'week', 6)).toBe('2026-12-05');
    expect(periodStart('2026-12-04', 'week', 6)).toBe('2026-11-28');
  });

  it('a week runs seven days, across a month and a year', () => {
    expect(periodStart('2027-01-02', 'week')).toBe('2026-12-28');
    expect(nextPeriodStart('2026-12-28', 'week')).toBe('2027-01-04');
    expect(periodEnd('2026-12-28', 'week')).toBe('2027-01-03');
  });

  it('a month is the calendar month, leap February included', () => {
    expect(periodStart('2026-12-31', 'month')).toBe('2026-12-01');
    expect(nextPeriodStart('2026-12-01', 'month')).toBe('2027-01-01');
    expect(periodEnd('2028-02-01', 'month')).toBe('2028-02-29');
    expect(periodEnd('2027-02-01', 'month')).toBe('2027-02-28');
    expect(periodEnd('2026-04-01', 'month')).toBe('2026-04-30');
  });

  it('every day of a year falls in exactly one week of each start day, seven days long', () => {
    for (let weekStartsOn = 1; weekStartsOn <= 7; weekStartsOn++) {
      const days = new Map<string, number>();
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000) {
        const day = new Date(t).toISOString().slice(0, 10);
        const start = periodStart(day, 'week', weekStartsOn);
        expect(day >= start && day <= periodEnd(start, 'week'), `${day} in ${start}`).toBe(true);
        const weekday = new Date(`${start}T00:00:00Z`).getUTCDay() || 7;
        expect(weekday).toBe(weekStartsOn);
        days.set(start, (days.get(start) ?? 0) + 1);
      }
      const inner = [...days.values()].slice(1, -1);
      expect(inner.every((n) => n === 7)).toBe(true);
    }
  });
});
