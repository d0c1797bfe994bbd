import {
  type CampaignView,
  type ReviewAction,
  toFieldIssues,
  voidRuleSchema,
} from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { confirmDialog, type Field, field, h, input, select, toast } from '../../dom.js';
import { issuesByField } from '../../form-errors.js';
import { fromLocalInput, toLocalInput } from '../../format.js';
import { trackAction } from '../action-progress.js';

/** What the void-by-rule form needs from the review tab. */
export interface VoidByRuleDeps {
  campaign: CampaignView;
  /** The list the background job's progress goes into. */
  actions: HTMLElement;
  /** Reads the held groups again once the job is done. */
  reload(): Promise<void>;
}

type RuleFields = ReturnType<typeof ruleFields>;

/**
 * The rule's fields, named as voidRuleSchema names them: a time span (from the campaign's start to
 * a minute from now, or to its end once it is over), a network, a candidate, a device and a note.
 */
function ruleFields(campaign: CampaignView) {
  const tz = campaign.schedule.timezone;
  const now = new Date().toISOString();
  return {
    from: field(
      '开始时间',
      input({ name: 'from', type: 'datetime-local', value: toLocalInput(campaign.schedule.startAt, tz) }),
    ),
    to: field(
      '结束时间',
      input({
        name: 'to',
        type: 'datetime-local',
        value: toLocalInput(
          now > campaign.schedule.endAt
            ? campaign.schedule.endAt
            : new Date(Date.now() + 60_000).toISOString(),
          tz,
        ),
      }),
    ),
    network: field('网段或 IP', input({ name: 'network', placeholder: '1.2.3.0/24' })),
    candidateId: field(
      '候选',
      select(
        [
          ['', '全部候选'],
          ...campaign.members.map((m) => [m.candidateId, `${m.name}（${m.candidateId}）`] as const),
        ],
        '',
        { name: 'candidateId' },
      ),
    ),
    deviceId: field('设备编号', input({ name: 'deviceId' })),
    note: field('作废说明', input({ name: 'note', maxlength: 500 })),
  };
}

/** The request's body as the fields read: times in the campaign's zone, empty conditions left out. */
function readRule(rule: RuleFields, tz: string) {
  const value = (f: Field) => f.control.value.trim();
  return {
    from: fromLocalInput(value(rule.from), tz),
    to: fromLocalInput(value(rule.to), tz),
    ...(value(rule.network) ? { network: value(rule.network) } : {}),
    ...(rule.candidateId.control.value ? { candidateId: rule.candidateId.control.value } : {}),
    ...(value(rule.deviceId) ? { deviceId: value(rule.deviceId) } : {}),
    ...(value(rule.note) ? { note: value(rule.note) } : {}),
  };
}

/**
 * 按规则作废: checked with the server's schema, asked, then sent; the background job is followed
 * in the action list until done, and each problem is shown next to its field.
 */
export function voidByRuleForm({ campaign, actions, reload }: VoidByRuleDeps): HTMLFormElement {
  const rule = ruleFields(campaign);
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const show = (issues: Map<string, string>) => {
    for (const [name, f] of Object.entries(rule)) f.setError(issues.get(name));
    problem.textContent = issues.get('') ?? '';
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const payload = readRule(rule, campaign.schedule.timezone);
    const checked = voidRuleSchema.safeParse(payload);
    if (!checked.success) {
      show(issuesByField(toFieldIssues(checked.error)));
      return;
    }
    show(new Map());
    const ok = await confirmDialog({
      title: '按规则作废',
      message: '时间范围内符合全部条件的投票都将作废，已计入的会被扣回，大屏随之更新。确定作废吗？',
      confirm: '确定作废',
      danger: true,
    });
    if (!ok) return;
    try {
      const action = await api<ReviewAction>(
        'POST',
        `/api/campaigns/${campaign.id}/review/void-by-rule`,
        payload,
      );
      const done = await trackAction(actions, campaign.id, action, '按规则作废');
      toast(
        done.state === 'done' ? `已作废 ${done.changed} 票` : '作废失败',
        done.state === 'done' ? 'ok' : 'error',
      );
      await reload();
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) show(issuesByField(error.issues));
      else problem.textContent = error instanceof ApiError ? error.message : '提交失败';
    }
  };
  return h(
    'form',
    {
      class: 'card form',
      id: 'void-by-rule',
      'aria-labelledby': 'void-rule-title',
      novalidate: true,
      onsubmit: submit,
    },
    h('h3', { id: 'void-rule-title' }, '按规则作废'),
    h('div', { class: 'row' }, rule.from.wrap, rule.to.wrap),
    h('div', { class: 'row' }, rule.network.wrap, rule.candidateId.wrap, rule.deviceId.wrap),
    rule.note.wrap,
    problem,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'danger' }, '作废符合条件的投票'),
    ),
  );
}
