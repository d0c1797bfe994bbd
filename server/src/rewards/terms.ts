import { poolExpired, type RewardRuleDoc } from '@rallyboard/core/db';
import { localClock, nameBesideRewards } from '@rallyboard/core/protocol';

/** What a rule's terms name besides the rule: its pool, the codes left, its lottery, the candidates. */
export interface TermsContext {
  pool?: { name: string; expiresAt: Date; perParticipant: number };
  left?: number;
  lottery?: string | undefined;
  /** An unlock's content item, by its title. */
  unlockable?: string | undefined;
  /** Candidate id → name, for a milestone's candidate. */
  candidates: ReadonlyMap<string, string>;
  /** The campaign's timezone: deadlines and expiries read in its local time. */
  timezone: string;
  /** Now (epoch ms): a pool past its expiry says so. */
  now: number;
}

/** What a coupon rule gives, with the pool's limit, stock and expiry, or that it has expired. */
function couponOf(of: TermsContext): string {
  const { pool, left } = of;
  if (!pool) return '获得优惠券一张';
  const until = localTime(new Date(pool.expiresAt), of.timezone);
  return poolExpired(pool, of.now)
    ? `获得「${pool.name}」一张（券池已于 ${until} 过期，不再发放）`
    : `获得「${pool.name}」一张（每人最多 ${pool.perParticipant} 张，剩余 ${left ?? 0} 张，${until} 前有效）`;
}

/** A zone named as a participant reads it: 北京时间 for China's, else its IANA name. */
const ZONE_NAMES: Readonly<Record<string, string>> = {
  'Asia/Shanghai': '北京时间',
  'Asia/Chongqing': '北京时间',
};

/** `YYYY-MM-DD HH:mm（北京时间）`: an instant in the campaign's local time, named. */
function localTime(at: Date, timezone: string): string {
  const c = localClock(at, timezone);
  return `${c.year}-${c.month}-${c.day} ${c.hour}:${c.minute}（${ZONE_NAMES[timezone] ?? timezone}）`;
}

/** When a rule gives, in the words a participant reads. */
function whenOf(trigger: RewardRuleDoc['trigger'], candidates: ReadonlyMap<string, string>): string {
  switch (trigger.kind) {
    case 'first-of-day':
      return '每天第一次有效投票（或点赞）';
    case 'every-nth':
      return `每累计 ${trigger.n} 次有效投票（点赞按候选计）`;
    case 'milestone':
      return `「${nameBesideRewards(candidates.get(trigger.candidateId) ?? trigger.candidateId)}」的有效票数达到 ${trigger.count} 时，每位有一票（或一个赞）计入它的参与者`;
    case 'campaign-end':
      return `活动结束时，最终排名前 ${trigger.top} 的候选中，每位有一票（或一个赞）计入其中之一的参与者`;
  }
}

/** The rule's terms in the words a participant reads before acting. */
export function termsOf(
  rule: Pick<RewardRuleDoc, 'trigger' | 'reward' | 'endsAt'>,
  of: TermsContext,
): string {
  const what =
    rule.reward.kind === 'points'
      ? `获得 ${rule.reward.points} 积分`
      : rule.reward.kind === 'lottery'
        ? `获得「${of.lottery ?? '抽奖'}」抽奖券一张（奖品、名额与开奖方式见该抽奖的规则）`
        : rule.reward.kind === 'unlock'
          ? `解锁内容「${of.unlockable ?? '内容'}」`
          : couponOf(of);
  const once =
    rule.trigger.kind === 'milestone' || rule.trigger.kind === 'campaign-end'
      ? '（每人一次；票数因无效票回落时收回，取消点赞的也收回）'
      : '';
  const until = rule.endsAt ? `，${localTime(new Date(rule.endsAt), of.timezone)} 前的投票有效` : '';
  return `${whenOf(rule.trigger, of.candidates)}${what}${once}${until}。只有计入排名的投票才算；被判无效的投票，其奖励将收回。与分享、邀请无关。`;
}
