import type { RewardRuleView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { field, h, input, select, toast } from '../../dom.js';

/** One rule: its name, whether it is in force, the terms participants read, pause or resume. */
export function ruleItem(rule: RewardRuleView, base: string, refresh: () => Promise<void>): HTMLElement {
  const toggle = async () => {
    await api('PATCH', `${base}/reward-rules/${rule.id}`, { enabled: !rule.enabled });
    await refresh();
  };
  return h(
    'li',
    { class: 'reward-rule' },
    h('strong', {}, rule.name),
    h('span', { class: 'badge' }, rule.enabled ? '生效中' : '已暂停'),
    h('p', { class: 'terms' }, rule.terms),
    h(
      'button',
      { type: 'button', 'aria-label': `${rule.enabled ? '暂停' : '恢复'}「${rule.name}」`, onclick: toggle },
      rule.enabled ? '暂停' : '恢复',
    ),
  );
}

/** What a rule gives, from the form's choice of kind and its pool or lottery. */
function rewardOf(kind: string, points: number, poolId: string, lotteryId: string) {
  if (kind === 'coupon') return { kind: 'coupon', poolId } as const;
  if (kind === 'lottery') return { kind: 'lottery', lotteryId } as const;
  return { kind: 'points', points } as const;
}

/**
 * A new rule: only triggers on the participant's own counted votes are offered. Its reward is
 * points, a coupon of a pool, or a ticket of one of the campaign's lotteries (抽奖券).
 */
export function ruleForm(
  base: string,
  poolSelect: HTMLSelectElement,
  lotterySelect: HTMLSelectElement,
  problem: HTMLElement,
  refresh: () => Promise<void>,
): HTMLElement {
  const name = field('规则名称', input({ name: 'name', maxlength: 60 }));
  const trigger = field(
    '条件',
    select(
      [
        ['first-of-day', '每天第一次有效投票'],
        ['every-nth', '每累计 N 次有效投票'],
      ],
      'first-of-day',
    ),
  );
  const n = field('N', input({ name: 'n', type: 'number', min: 1, max: 1000, value: '3' }));
  const reward = field(
    '奖励内容',
    select(
      [
        ['points', '积分'],
        ['coupon', '优惠券'],
        ['lottery', '抽奖券'],
      ],
      'points',
    ),
  );
  const points = field('积分数', input({ name: 'points', type: 'number', min: 1, max: 10000, value: '5' }));
  const pool = field('券池', poolSelect);
  const lottery = field('抽奖', lotterySelect);
  const add = async (event: Event) => {
    event.preventDefault();
    problem.textContent = '';
    if (reward.control.value === 'lottery' && !lotterySelect.value) {
      problem.textContent = '请先在下方「抽奖」中添加抽奖，再添加发抽奖券的规则';
      return;
    }
    const body = {
      name: name.control.value,
      trigger:
        trigger.control.value === 'every-nth'
          ? { kind: 'every-nth', n: Number(n.control.value) }
          : { kind: 'first-of-day' },
      reward: rewardOf(
        reward.control.value,
        Number(points.control.value),
        poolSelect.value,
        lotterySelect.value,
      ),
    };
    try {
      await api('POST', `${base}/reward-rules`, body);
      toast('已添加奖励规则');
      name.control.value = '';
      await refresh();
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '添加失败';
    }
  };
  return h(
    'form',
    { class: 'card reward-form', 'aria-label': '添加奖励规则', onsubmit: add },
    name.wrap,
    trigger.wrap,
    n.wrap,
    reward.wrap,
    points.wrap,
    pool.wrap,
    lottery.wrap,
    h('button', { type: 'submit', class: 'primary' }, '添加规则'),
  );
}
