import type { CampaignStatus } from '../protocol/campaigns.js';

/** How a campaign's status reads in the list. */
export const CAMPAIGN_STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: '草稿',
  scheduled: '即将开始',
  live: '进行中',
  paused: '已暂停',
  frozen: '已封榜',
  ended: '已结束',
  archived: '已归档',
};

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A countdown to `targetMs`: "2天 03:04:05", "03:04:05", or '' once it is past.
 */
export function countdownText(targetMs: number, nowMs: number = Date.now()): string {
  const left = Math.floor((targetMs - nowMs) / 1000);
  if (left <= 0) return '';
  const days = Math.floor(left / 86_400);
  const clock = `${pad(Math.floor((left % 86_400) / 3_600))}:${pad(Math.floor((left % 3_600) / 60))}:${pad(left % 60)}`;
  return days > 0 ? `${days}天 ${clock}` : clock;
}

/** What the campaign page's countdown says, for a campaign's status and schedule. */
export function campaignCountdown(
  status: CampaignStatus,
  schedule: { startAt: string; endAt: string },
  nowMs: number = Date.now(),
): string {
  if (status === 'scheduled') {
    const text = countdownText(Date.parse(schedule.startAt), nowMs);
    return text ? `距开始 ${text}` : '即将开始';
  }
  if (status === 'live' || status === 'paused' || status === 'frozen') {
    const text = countdownText(Date.parse(schedule.endAt), nowMs);
    return text ? `距结束 ${text}` : '投票即将截止';
  }
  return '活动已结束';
}

/** "今日剩余 N 票", or that there is no daily limit. */
export function remainingText(remainingToday: number | null): string {
  return remainingToday === null ? '今日投票不限次数' : `今日剩余 ${remainingToday} 票`;
}

/** `YYYY-MM-DD` on the phone's own calendar (a coupon's last day, as its holder reads it). */
export function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A time as "MM-DD HH:mm" in the participant's own clock. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
