import {
  type CampaignMember,
  type RewardRuleInput,
  type RewardRuleView,
  rewardRuleInputSchema,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { ApiError, api, createOnce } from '../../api.js';
import { whileBusy } from '../../busy.js';
import { type Field, field, h, input, select, toast } from '../../dom.js';
import { issuesByField, showIssues } from '../../form-errors.js';
import { endTopNote, milestoneBadge, ownWords, triggerFields } from './rule-trigger.js';

/** What a rule item needs besides its rule: where the rules are, and the candidates' names. */
export interface RuleItemContext {
  base: string;
  /** Candidate id → name, for an end rule's final top. */
  names: ReadonlyMap<string, string>;
  /** Every rule of the campaign, as the server answered a pause or resume (the host's own list). */
  changed: (rules: RewardRuleView[]) => void;
}

/**
 * One rule: its name, whether it is in force, where a milestone or end rule stands, the terms
 * participants read, pause or resume (a refusal is said in a toast).
 */
export function ruleItem(rule: RewardRuleView, context: RuleItemContext): HTMLElement {
  const button = h(
    'button',
    { type: 'button', 'aria-label': `${rule.enabled ? '暂停' : '恢复'}「${rule.name}」` },
    rule.enabled ? '暂停' : '恢复',
  );
  button.addEventListener('click', () =>
    whileBusy(button, async () => {
      try {
        const answer = await api<{ rules: RewardRuleView[] }>(
          'PATCH',
          `${context.base}/reward-rules/${rule.id}`,
          { enabled: !rule.enabled },
        );
        context.changed(answer.rules);
      } catch (error) {
        toast(error instanceof ApiError ? error.message : '操作失败', 'error');
      }
    }),
  );
  return h(
    'li',
    { class: 'reward-rule', 'data-trigger': rule.trigger.kind },
    h('strong', {}, rule.name),
    h('span', { class: 'badge' }, rule.enabled ? '生效中' : '已暂停'),
    milestoneBadge(rule),
    h('p', { class: 'terms' }, rule.terms),
    endTopNote(rule, context.names),
    button,
  );
}

type RewardKind = 'points' | 'coupon' | 'lottery' | 'unlock';

/** The reward half of the form: points, a coupon, a lottery's ticket or an unlock, and only its input shown. */
function rewardFields(
  poolSelect: HTMLSelectElement,
  lotterySelect: HTMLSelectElement,
  unlockSelect: HTMLSelectElement,
) {
  const kind = field(
    '奖励内容',
    select(
      [
        ['points', '积分'],
        ['coupon', '优惠券'],
        ['lottery', '抽奖券'],
        ['unlock', '解锁内容'],
      ],
      'points',
    ),
  );
  const points = field('积分数', input({ name: 'points', type: 'number', min: 1, max: 10000, value: '5' }));
  const pool = field('券池', poolSelect);
  const lottery = field('抽奖', lotterySelect);
  const unlock = field('解锁的内容', unlockSelect);
  const needs: Record<RewardKind, Field<HTMLElement>> = { points, coupon: pool, lottery, unlock };
  const chosen = () => kind.control.value as RewardKind;
  const sync = () => {
    for (const f of [points, pool, lottery, unlock]) f.wrap.hidden = needs[chosen()] !== f;
  };
  kind.control.addEventListener('change', sync);
  sync();
  const byPath: Record<string, Field<HTMLElement>> = {
    'reward.points': points,
    'reward.poolId': pool,
    'reward.lotteryId': lottery,
    'reward.unlockableId': unlock,
  };
  const value = (): RewardRuleInput['reward'] => {
    if (chosen() === 'coupon') return { kind: 'coupon', poolId: poolSelect.value };
    if (chosen() === 'lottery') return { kind: 'lottery', lotteryId: lotterySelect.value };
    if (chosen() === 'unlock') return { kind: 'unlock', unlockableId: unlockSelect.value };
    return { kind: 'points', points: Number(points.control.value) };
  };
  /** What to add first when the chosen reward has nothing to choose from yet. */
  const missing = (): string | undefined => {
    if (chosen() === 'coupon' && !poolSelect.value) {
      return '请先在下方「优惠券池」中添加券池，再添加发券的规则';
    }
    if (chosen() === 'lottery' && !lotterySelect.value) {
      return '请先在下方「抽奖」中添加抽奖，再添加发抽奖券的规则';
    }
    if (chosen() === 'unlock' && !unlockSelect.value) {
      return '请先在下方「点赞解锁」中添加「按奖励规则解锁」的内容，再添加解锁的规则';
    }
    return undefined;
  };
  return {
    wraps: [kind.wrap, points.wrap, pool.wrap, lottery.wrap, unlock.wrap],
    fields: [points, pool, lottery, unlock],
    byPath,
    value,
    missing,
  };
}

/** The selects the tab keeps filled (pools and lotteries), and where the form's problems go. */
export interface RuleFormParts {
  base: string;
  members: readonly CampaignMember[];
  poolSelect: HTMLSelectElement;
  lotterySelect: HTMLSelectElement;
  /** The content items a reward opens (点赞解锁 with `reward` unlock). */
  unlockSelect: HTMLSelectElement;
  problem: HTMLElement;
  /** The rule the server answered: the list shows it at once (a draft's rules are not public). */
  added: (rule: RewardRuleView) => void;
  refresh: () => Promise<void>;
}

/**
 * A new rule: only triggers on the participant's own counted votes are offered. Its reward is
 * points, a coupon of a pool, or a ticket of one of the campaign's lotteries (抽奖券). The schema
 * is checked here first, and the server's field issues land on the same fields.
 */
export function ruleForm(parts: RuleFormParts): HTMLElement {
  const { base, problem, refresh } = parts;
  const create = createOnce();
  const name = field('规则名称', input({ name: 'name', maxlength: 60 }));
  const trigger = triggerFields(parts.members);
  const reward = rewardFields(parts.poolSelect, parts.lotterySelect, parts.unlockSelect);
  const button = h('button', { type: 'submit', class: 'primary' }, '添加规则');
  const show = (issues: Map<string, string>) =>
    showIssues(issues, {
      fields: [name, ...trigger.fields, ...reward.fields],
      fieldOf: (path) => (path === 'name' ? name : (trigger.fieldOf(path) ?? reward.byPath[path])),
      problem,
    });
  const add = async (event: Event) => {
    event.preventDefault();
    const missing = reward.missing();
    if (missing) {
      show(new Map());
      problem.textContent = missing;
      return;
    }
    const checked = rewardRuleInputSchema.safeParse({
      name: name.control.value,
      trigger: trigger.value(),
      reward: reward.value(),
    });
    show(checked.success ? new Map() : issuesByField(toFieldIssues(checked.error)));
    if (!checked.success) return;
    await whileBusy(button, async () => {
      try {
        const rule = await create<RewardRuleView>(`${base}/reward-rules`, checked.data);
        toast('已添加奖励规则');
        name.control.value = '';
        parts.added(rule);
      } catch (error) {
        if (error instanceof ApiError && error.issues.length > 0) {
          show(issuesByField(error.issues.map((i) => ({ ...i, message: ownWords(i.message) }))));
        } else problem.textContent = error instanceof ApiError ? error.message : '添加失败';
        return;
      }
      await refresh();
    });
  };
  return h(
    'form',
    { class: 'card reward-form', 'aria-label': '添加奖励规则', novalidate: true, onsubmit: add },
    name.wrap,
    trigger.wraps,
    reward.wraps,
    button,
  );
}
