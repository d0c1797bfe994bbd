import { describe, expect, it } from 'vitest';
import { campaignScheduleSchema } from '../../src/protocol/campaigns.js';
import {
  DEFAULT_TIMEZONE,
  dayOf,
  instantSchema,
  isTimeZone,
  startOfNextDay,
} from '../../src/protocol/day.js';
import { couponPoolInputSchema, rewardRuleInputSchema } from '../../src/protocol/rewards.js';
import { reviewJobSchema } from '../../src/queue/review.js';

const at = (iso: string) => Date.parse(iso);

describe('dayOf', () => {
  it('turns the day at midnight in Asia/Shanghai, 16:00 UTC', () => {
    expect(dayOf(at('2026-11-24T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-11-24');
    expect(dayOf(at('2026-11-24T15:59:59Z'), 'Asia/Shanghai')).toBe('2026-11-24');
    expect(dayOf(at('2026-11-24T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-25');
    expect(dayOf(at('2026-11-25T00:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-25');
  });

  it('uses Asia/Shanghai by default', () => {
    expect(DEFAULT_TIMEZONE).toBe('Asia/Shanghai');
  });

  it('crosses months and years on the local date, not the UTC one', () => {
    expect(dayOf(at('2026-12-31T15:59:59Z'), 'Asia/Shanghai')).toBe('2026-12-31');
    expect(dayOf(at('2026-12-31T16:00:00Z'), 'Asia/Shanghai')).toBe('2027-01-01');
    expect(dayOf(at('2028-02-28T16:00:00Z'), 'Asia/Shanghai')).toBe('2028-02-29');
  });

  it('turns the day at UTC midnight in UTC', () => {
    expect(dayOf(at('2026-11-24T23:59:59.999Z'), 'UTC')).toBe('2026-11-24');
    expect(dayOf(at('2026-11-25T00:00:00Z'), 'UTC')).toBe('2026-11-25');
  });

  it('follows a half-hour offset (Asia/Kolkata, UTC+5:30)', () => {
    expect(dayOf(at('2026-11-24T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-11-24');
    expect(dayOf(at('2026-11-24T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-11-25');
  });

  it('follows daylight saving time (America/New_York, on the day it ends)', () => {
    // 1 November 2026 starts at 04:00 UTC (EDT, UTC-4); 2 November at 05:00 UTC (EST, UTC-5).
    expect(dayOf(at('2026-11-01T03:59:59Z'), 'America/New_York')).toBe('2026-10-31');
    expect(dayOf(at('2026-11-01T04:00:00Z'), 'America/New_York')).toBe('2026-11-01');
    expect(dayOf(at('2026-11-02T04:59:59Z'), 'America/New_York')).toBe('2026-11-01');
    expect(dayOf(at('2026-11-02T05:00:00Z'), 'America/New_York')).toBe('2026-11-02');
  });

  it('gives the same instant different days in different zones, and always YYYY-MM-DD', () => {
    const instant = at('2026-11-24T20:00:00Z');
    expect(dayOf(instant, 'Asia/Shanghai')).toBe('2026-11-25');
    expect(dayOf(instant, 'America/Los_Angeles')).toBe('2026-11-24');
    expect(dayOf(at('2026-01-05T12:00:00Z'), 'Europe/Paris')).toMatch(/^2026-01-05$/);
  });

  it('throws for a timezone the runtime does not know', () => {
    expect(() => dayOf(0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('isTimeZone', () => {
  it('accepts IANA names the runtime knows', () => {
    for (const name of ['Asia/Shanghai', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT-8']) {
      expect(isTimeZone(name)).toBe(true);
    }
  });

  it('refuses anything else', () => {
    for (const name of ['', 'Mars/Olympus', 'GMT+8', 'Shanghai', 'not a zone']) {
      expect(isTimeZone(name)).toBe(false);
    }
  });
});

describe('startOfNextDay', () => {
  it("is the next local midnight: Shanghai's is 16:00 UTC", () => {
    expect(startOfNextDay(at('2026-11-25T03:00:00Z'), 'Asia/Shanghai')).toBe(at('2026-11-25T16:00:00Z'));
    expect(startOfNextDay(at('2026-11-25T15:59:59.999Z'), 'Asia/Shanghai')).toBe(at('2026-11-25T16:00:00Z'));
    expect(startOfNextDay(at('2026-11-25T16:00:00Z'), 'Asia/Shanghai')).toBe(at('2026-11-26T16:00:00Z'));
  });

  it('follows daylight saving and half-hour offsets', () => {
    // New York springs forward on 2026-03-08: that day is 23 hours long.
    expect(startOfNextDay(at('2026-03-08T12:00:00Z'), 'America/New_York')).toBe(at('2026-03-09T04:00:00Z'));
    expect(startOfNextDay(at('2026-11-25T12:00:00Z'), 'Asia/Kolkata')).toBe(at('2026-11-25T18:30:00Z'));
  });
});

describe('a moment given with an offset', () => {
  it('is taken up to the end of year 9999 in UTC, whatever its offset', () => {
    for (const v of [
      '9999-12-31T23:59:59Z',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59+08:00',
      '2026-12-07T08:00:00-12:00',
    ]) {
      expect(instantSchema.safeParse(v).success).toBe(true);
    }
  });

  it('is refused past either end, where it would be written back as year 10000 or -1, which no ISO 8601 answer holds', () => {
    expect(instantSchema.safeParse('9999-12-31T23:59:59-12:00').success).toBe(false);
    expect(instantSchema.safeParse('0000-01-01T00:00:00+08:00').success).toBe(false);
    expect(new Date('0000-01-01T00:00:00+08:00').toISOString()).toBe('-000001-12-31T16:00:00.000Z');
    expect(instantSchema.safeParse('0000-01-01T00:00:00Z').success).toBe(true);
    expect(new Date('9999-12-31T23:59:59-12:00').toISOString()).toBe('+010000-01-01T11:59:59.000Z');
  });

  it('is what the host-given dates are checked with: a reward rule, a coupon pool, a schedule, an entry window', () => {
    const late = '9999-12-31T23:59:59-12:00';
    expect(
      couponPoolInputSchema
        .safeParse({ name: '券', expiresAt: late })
        .error?.issues.map((i) => i.path.join('.')),
    ).toEqual(['expiresAt']);
    expect(
      rewardRuleInputSchema
        .safeParse({
          name: '规则',
          trigger: { kind: 'first-of-day' },
          reward: { kind: 'points', points: 1 },
          endsAt: late,
        })
        .error?.issues.map((i) => i.path.join('.')),
    ).toEqual(['endsAt']);
    expect(campaignScheduleSchema.safeParse({ startAt: '2026-12-07T00:00:00Z', endAt: late }).success).toBe(
      false,
    );
  });

  it("is not what a void by rule's range is checked with: it is never stored, and a job queued with one past 9999 still runs", () => {
    const job = {
      kind: 'void-by-rule',
      campaignId: 'board-1',
      rule: { from: '2026-12-07T00:00:00Z', to: '9999-12-31T23:59:59-08:00', candidateId: 'alice' },
      by: 'h-1',
    };
    expect(reviewJobSchema.safeParse(job).success).toBe(true);
  });
});
