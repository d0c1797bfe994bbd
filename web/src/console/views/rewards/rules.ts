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

/** A new rule: only triggers on the participant's own counted votes are offered. */
export function ruleForm(
  base: string,
  poolSelect: HTMLSelectElement,
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
      ],
      'points',
    ),
  );
  const points = field('积分数', input({ name: 'points', type: 'number', min: 1, max: 10000, value: '5' }));
  const pool = field('券池', poolSelect);
  const add = async (event: Event) => {
    event.preventDefault();
    problem.textContent = '';
    const body = {
      name: name.control.value,
      trigger:
        trigger.control.value === 'every-nth'
          ? { kind: 'every-nth', n: Number(n.control.value) }
          : { kind: 'first-of-day' },
      reward:
        reward.control.value === 'coupon'
          ? { kind: 'coupon', poolId: poolSelect.value }
          : { kind: 'points', points: Number(points.control.value) },
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
    h('button', { type: 'submit', class: 'primary' }, '添加规则'),
  );
}
