import { describe, expect, it } from 'vitest';
import { campaignCountdown, countdownText, remainingText } from '../../services/format.js';

const at = Date.parse('2026-06-01T00:00:00Z');

describe('the countdown', () => {
  it('shows days, hours, minutes and seconds left, and nothing once the time is past', () => {
    expect(countdownText(at + 2 * 86_400_000 + 3_723_000, at)).toBe('2天 01:02:03');
    expect(countdownText(at + 59_000, at)).toBe('00:00:59');
    expect(countdownText(at, at)).toBe('');
  });

  it('counts to the start of a scheduled campaign and to the end of a running one', () => {
    const schedule = {
      startAt: new Date(at + 60_000).toISOString(),
      endAt: new Date(at + 3_600_000).toISOString(),
    };
    expect(campaignCountdown('scheduled', schedule, at)).toBe('距开始 00:01:00');
    expect(campaignCountdown('live', schedule, at)).toBe('距结束 01:00:00');
    expect(campaignCountdown('frozen', schedule, at + 3_600_000)).toBe('投票即将截止');
    expect(campaignCountdown('ended', schedule, at)).toBe('活动已结束');
  });
});

describe("today's remaining votes", () => {
  it('says how many are left, or that there is no limit', () => {
    expect(remainingText(2)).toBe('今日剩余 2 票');
    expect(remainingText(null)).toBe('今日投票不限次数');
  });
});
