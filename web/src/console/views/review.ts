import {
  type CampaignView,
  type HeldGroup,
  type HeldVote,
  type ReviewAction,
  toFieldIssues,
  voidRuleSchema,
} from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import type { Cleanup } from '../cleanup.js';
import { confirmDialog, type Field, field, h, input, select, toast } from '../dom.js';
import { issuesByField } from '../form-errors.js';
import { formatTime, fromLocalInput, toLocalInput } from '../format.js';
import { trackAction } from './action-progress.js';

type GroupBy = 'reason' | 'cluster';

/**
 * The review queue: held votes grouped by rule or by cluster; select groups or single votes and
 * approve or void them in bulk with a note; void by rule (a network, a candidate, a device, a time
 * span) with the background job's progress until done.
 */
export function renderReview(body: HTMLElement, campaign: CampaignView): Cleanup {
  const tz = campaign.schedule.timezone;
  let groupBy: GroupBy = 'cluster';
  const selectedGroups = new Set<string>();
  const selectedVotes = new Set<string>();
  const summary = h('p', { class: 'muted', id: 'held-summary', role: 'status' }, '正在加载…');
  const groupsBox = h('div', { id: 'held-groups' });
  const actions = h('ol', { class: 'action-list', id: 'review-actions', 'aria-label': '审核任务' });
  const note = field(
    '审核备注',
    input({ name: 'note', maxlength: 500, placeholder: '例如：同一家庭共用手机' }),
  );
  const by = field(
    '分组方式',
    select(
      [
        ['cluster', '按聚集（设备、网段、账号）'],
        ['reason', '按触发规则'],
      ],
      groupBy,
      { name: 'groupBy' },
    ),
  );
  by.control.addEventListener('change', () => {
    groupBy = by.control.value as GroupBy;
    void load();
  });

  const voteTable = (votes: readonly HeldVote[]) =>
    h(
      'table',
      { class: 'table compact votes' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['', '时间', '候选', 'IP', '设备', '风险分', '原因'].map((t, i) =>
            h('th', { scope: 'col' }, i === 0 ? h('span', { class: 'sr-only' }, '选择') : t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...votes.map((v) => {
          const box = h('input', {
            type: 'checkbox',
            'aria-label': `选择投票 ${v.voteId}`,
            'data-vote-id': v.voteId,
            onchange: (e: Event) => {
              if ((e.currentTarget as HTMLInputElement).checked) selectedVotes.add(v.voteId);
              else selectedVotes.delete(v.voteId);
            },
          });
          return h(
            'tr',
            {},
            h('td', {}, box),
            h('td', {}, formatTime(v.acceptedAt, tz)),
            h('td', {}, v.candidateId),
            h('td', {}, v.ip ?? '—'),
            h('td', {}, v.deviceId ?? '—'),
            h('td', { class: 'num' }, v.score.toFixed(1)),
            h('td', {}, v.reasons.map((r) => r.text).join('；') || (v.counted ? '所属聚集被暂扣' : '—')),
          );
        }),
      ),
    );

  const groupRow = (g: HeldGroup) => {
    const detail = h('div', { class: 'group-votes', hidden: true });
    const box = h('input', {
      type: 'checkbox',
      'aria-label': `选择分组 ${g.label}`,
      'data-group': g.key,
      onchange: (e: Event) => {
        if ((e.currentTarget as HTMLInputElement).checked) selectedGroups.add(g.key);
        else selectedGroups.delete(g.key);
      },
    });
    const expand = h(
      'button',
      {
        type: 'button',
        class: 'link',
        'aria-expanded': 'false',
        onclick: async () => {
          const open = detail.hidden;
          detail.hidden = !open;
          expand.setAttribute('aria-expanded', String(open));
          if (!open || detail.childElementCount > 0) return;
          const param =
            groupBy === 'reason'
              ? `reason=${encodeURIComponent(g.key)}`
              : `cluster=${encodeURIComponent(g.key)}`;
          const list = await api<{ votes?: HeldVote[] }>(
            'GET',
            `/api/campaigns/${campaign.id}/review/held?${param}&limit=200`,
          );
          detail.append(voteTable(list.votes ?? []));
        },
      },
      '查看投票',
    );
    return h(
      'div',
      { class: 'group card' },
      h(
        'div',
        { class: 'group-head' },
        box,
        h(
          'div',
          { class: 'group-label' },
          h('strong', {}, g.label),
          h('div', { class: 'muted' }, h('code', {}, g.key)),
        ),
        h(
          'div',
          { class: 'group-figures' },
          `${g.votes} 票 · ${g.voters} 个账号 · ${g.candidates.map((c) => `${c.candidateId} ${c.votes}`).join('、')}`,
        ),
        expand,
      ),
      detail,
    );
  };

  async function load(): Promise<void> {
    selectedGroups.clear();
    selectedVotes.clear();
    try {
      const list = await api<{ held: number; groups?: HeldGroup[] }>(
        'GET',
        `/api/campaigns/${campaign.id}/review/held?groupBy=${groupBy}`,
      );
      summary.textContent = list.held === 0 ? '没有待审核的投票' : `共 ${list.held} 票待审核`;
      groupsBox.replaceChildren(...(list.groups ?? []).map(groupRow));
    } catch (error) {
      summary.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  }

  async function decide(decision: 'approve' | 'void'): Promise<void> {
    const selections: { select: Record<string, unknown>; label: string }[] = [
      ...[...selectedGroups].map((key) => ({
        select: groupBy === 'reason' ? { reason: key } : { cluster: key },
        label: key,
      })),
      ...(selectedVotes.size > 0
        ? [{ select: { voteIds: [...selectedVotes] }, label: `${selectedVotes.size} 张选中的投票` }]
        : []),
    ];
    if (selections.length === 0) {
      toast('请先选择分组或投票', 'error');
      return;
    }
    const verb = decision === 'approve' ? '批准' : '作废';
    const ok = await confirmDialog({
      title: `${verb}所选投票`,
      message:
        decision === 'approve'
          ? `批准后这些投票将计入排行榜（${selections.map((s) => s.label).join('、')}）。`
          : `作废后这些投票不再计入，已计入的将被扣回（${selections.map((s) => s.label).join('、')}）。`,
      confirm: `确定${verb}`,
      danger: decision === 'void',
    });
    if (!ok) return;
    const noteText = note.control.value.trim();
    const runs: Promise<ReviewAction>[] = [];
    for (const s of selections) {
      try {
        const action = await api<ReviewAction>('POST', `/api/campaigns/${campaign.id}/review`, {
          decision,
          select: s.select,
          ...(noteText ? { note: noteText } : {}),
        });
        runs.push(trackAction(actions, campaign.id, action, `${verb}：${s.label}`));
      } catch (error) {
        toast(error instanceof ApiError ? error.message : `${verb}失败`, 'error');
      }
    }
    await Promise.all(runs);
    toast(`${verb}完成`);
    await load();
  }

  // Void by rule.
  const now = new Date().toISOString();
  const rule = {
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
  const ruleProblem = h('div', { class: 'form-error', role: 'alert' });
  const ruleForm = h(
    'form',
    {
      class: 'card form',
      id: 'void-by-rule',
      'aria-labelledby': 'void-rule-title',
      novalidate: true,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const value = (f: Field) => f.control.value.trim();
        const payload = {
          from: fromLocalInput(value(rule.from), tz),
          to: fromLocalInput(value(rule.to), tz),
          ...(value(rule.network) ? { network: value(rule.network) } : {}),
          ...(rule.candidateId.control.value ? { candidateId: rule.candidateId.control.value } : {}),
          ...(value(rule.deviceId) ? { deviceId: value(rule.deviceId) } : {}),
          ...(value(rule.note) ? { note: value(rule.note) } : {}),
        };
        const show = (issues: Map<string, string>) => {
          for (const [name, f] of Object.entries(rule)) (f as Field).setError(issues.get(name));
          ruleProblem.textContent = issues.get('') ?? '';
        };
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
          await load();
        } catch (error) {
          if (error instanceof ApiError && error.issues.length > 0) show(issuesByField(error.issues));
          else ruleProblem.textContent = error instanceof ApiError ? error.message : '提交失败';
        }
      },
    },
    h('h3', { id: 'void-rule-title' }, '按规则作废'),
    h('div', { class: 'row' }, rule.from.wrap, rule.to.wrap),
    h('div', { class: 'row' }, rule.network.wrap, rule.candidateId.wrap, rule.deviceId.wrap),
    rule.note.wrap,
    ruleProblem,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'danger' }, '作废符合条件的投票'),
    ),
  );

  body.append(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'held-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'held-title' }, '待审核投票'), by.wrap),
      summary,
      groupsBox,
      h(
        'div',
        { class: 'bulk-bar' },
        note.wrap,
        h(
          'button',
          { type: 'button', class: 'primary', id: 'approve-selected', onclick: () => void decide('approve') },
          '批准所选',
        ),
        h(
          'button',
          { type: 'button', class: 'danger', id: 'void-selected', onclick: () => void decide('void') },
          '作废所选',
        ),
      ),
    ),
    ruleForm,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'actions-title' },
      h('h3', { id: 'actions-title' }, '审核任务进度'),
      actions,
    ),
  );
  void load();
  return () => {
    actions.replaceChildren();
  };
}
