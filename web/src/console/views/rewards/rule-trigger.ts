import type { CampaignMember, RewardRuleInput, RewardRuleView } from '@rallyboard/core/protocol';
import { type Field, field, h, input, select } from '../../dom.js';

type TriggerKind = 'first-of-day' | 'every-nth' | 'milestone' | 'campaign-end';

/** The triggers a host may choose: each counts only the participant's own counted votes. */
const TRIGGER_OPTIONS: readonly (readonly [TriggerKind, string])[] = [
  ['first-of-day', '每天第一次有效投票'],
  ['every-nth', '每累计 N 次有效投票'],
  ['milestone', '候选达到票数（里程碑）'],
  ['campaign-end', '活动结束时排名前 K 的支持者'],
];

/** The server's one refusal of a milestone's candidate: the campaign no longer has it. */
const NOT_A_MEMBER = /is not a candidate of the campaign/;
const CANDIDATE_GONE = '本活动已没有这个候选（可能刚被删除），请刷新页面后重新选择';

/** A server issue in the console's words, where form-errors.ts has none for it. */
export const ownWords = (message: string) => (NOT_A_MEMBER.test(message) ? CANDIDATE_GONE : message);

/**
 * The rule form's 条件 and the inputs its choice needs, and only those shown: N for every n-th,
 * a candidate and a count for a milestone, K for the campaign's end. The candidates are the
 * campaign's as the tab loaded it; one removed since is refused by the server (CANDIDATE_GONE).
 */
export function triggerFields(members: readonly CampaignMember[]) {
  const kind = field('条件', select(TRIGGER_OPTIONS, 'first-of-day', { name: 'trigger' }));
  const n = field('N', input({ name: 'n', type: 'number', min: 1, max: 1000, value: '3' }));
  const candidate = field(
    '候选',
    select(
      members.map((m) => [m.candidateId, m.name] as const),
      members[0]?.candidateId ?? '',
      { name: 'candidateId' },
    ),
  );
  const count = field(
    '目标票数',
    input({ name: 'count', type: 'number', min: 1, max: 100_000_000, value: '100' }),
    '候选的有效票数（点赞活动为有效点赞数）达到这个数时，给每位投过它的参与者发一次',
  );
  const top = field(
    'K',
    input({ name: 'top', type: 'number', min: 1, max: 100, value: '3' }),
    '活动结束时，给投过最终前 K 名之一的每位参与者发一次',
  );
  const needs: Record<TriggerKind, readonly Field<HTMLElement>[]> = {
    'first-of-day': [],
    'every-nth': [n],
    milestone: [candidate, count],
    'campaign-end': [top],
  };
  const chosen = () => kind.control.value as TriggerKind;
  const sync = () => {
    for (const f of [n, candidate, count, top]) f.wrap.hidden = !needs[chosen()].includes(f);
  };
  kind.control.addEventListener('change', sync);
  sync();
  const byPath: Record<string, Field<HTMLElement>> = {
    'trigger.n': n,
    'trigger.candidateId': candidate,
    'trigger.count': count,
    'trigger.top': top,
  };
  /** The trigger as the schema reads it (numbers unchecked: the schema says what is wrong). */
  const value = (): RewardRuleInput['trigger'] => {
    switch (chosen()) {
      case 'every-nth':
        return { kind: 'every-nth', n: Number(n.control.value) };
      case 'milestone':
        return {
          kind: 'milestone',
          candidateId: candidate.control.value,
          count: Number(count.control.value),
        };
      case 'campaign-end':
        return { kind: 'campaign-end', top: Number(top.control.value) };
      default:
        return { kind: 'first-of-day' };
    }
  };
  return {
    wraps: [kind.wrap, n.wrap, candidate.wrap, count.wrap, top.wrap],
    fields: [n, candidate, count, top],
    fieldOf: (path: string): Field<HTMLElement> | undefined => byPath[path],
    value,
  };
}

/** A milestone's state: 已达成 / 未达成 (the workers keep `reached` as votes count and voids take them back). */
export function milestoneBadge(rule: RewardRuleView): HTMLElement | null {
  if (rule.trigger.kind !== 'milestone') return null;
  return h(
    'span',
    { class: `badge milestone ${rule.reached ? 'reached' : 'pending'}` },
    rule.reached ? '已达成' : '未达成',
  );
}

/** An end rule's final top K by name, once the campaign ended (the workers set `endTop` then). */
export function endTopNote(rule: RewardRuleView, names: ReadonlyMap<string, string>): HTMLElement | null {
  const { trigger } = rule;
  if (trigger.kind !== 'campaign-end') return null;
  if (rule.endTop === undefined) {
    return h('p', { class: 'muted end-top' }, `活动结束后确定最终前 ${trigger.top} 名`);
  }
  const top = rule.endTop.map((id) => names.get(id) ?? id);
  return h(
    'p',
    { class: 'end-top' },
    `最终前 ${trigger.top ?? top.length} 名：${top.length > 0 ? top.join('、') : '无（没有有效投票）'}`,
  );
}
