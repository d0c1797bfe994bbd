import type { ReviewAction } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { confirmDialog, field, h, input, toast } from '../../dom.js';
import { trackAction } from '../action-progress.js';
import type { ReviewSelection } from './selection.js';

type Decision = 'approve' | 'void';

/** What the bulk actions need from the review tab. */
export interface BulkActionsDeps {
  campaignId: string;
  selection: ReviewSelection;
  /** The list each decision's progress goes into. */
  actions: HTMLElement;
  /** Reads the held groups again once every decision is done. */
  reload(): Promise<void>;
}

/** One review request per ticked group, and one for all the ticked single votes. */
function selections(selection: ReviewSelection): { select: Record<string, unknown>; label: string }[] {
  return [
    ...[...selection.groups].map((key) => ({
      select: selection.groupBy === 'reason' ? { reason: key } : { cluster: key },
      label: key,
    })),
    ...(selection.votes.size > 0
      ? [{ select: { voteIds: [...selection.votes] }, label: `${selection.votes.size} 张选中的投票` }]
      : []),
  ];
}

/**
 * Approves or voids what is ticked, after asking: one request per selection, with the note as it
 * reads once the host confirms (a refused request is said and the rest still go), each followed in
 * the action list; the groups are read again once all are done.
 */
async function decide(deps: BulkActionsDeps, note: HTMLInputElement, decision: Decision): Promise<void> {
  const { campaignId, actions } = deps;
  const chosen = selections(deps.selection);
  if (chosen.length === 0) {
    toast('请先选择分组或投票', 'error');
    return;
  }
  const verb = decision === 'approve' ? '批准' : '作废';
  const ok = await confirmDialog({
    title: `${verb}所选投票`,
    message:
      decision === 'approve'
        ? `批准后这些投票将计入排行榜（${chosen.map((s) => s.label).join('、')}）。`
        : `作废后这些投票不再计入，已计入的将被扣回（${chosen.map((s) => s.label).join('、')}）。`,
    confirm: `确定${verb}`,
    danger: decision === 'void',
  });
  if (!ok) return;
  const noteText = note.value.trim();
  const runs: Promise<ReviewAction>[] = [];
  for (const s of chosen) {
    try {
      const action = await api<ReviewAction>('POST', `/api/campaigns/${campaignId}/review`, {
        decision,
        select: s.select,
        ...(noteText ? { note: noteText } : {}),
      });
      runs.push(trackAction(actions, campaignId, action, `${verb}：${s.label}`));
    } catch (error) {
      toast(error instanceof ApiError ? error.message : `${verb}失败`, 'error');
    }
  }
  await Promise.all(runs);
  toast(`${verb}完成`);
  await deps.reload();
}

/** The bar under the groups: the review note, 批准所选 and 作废所选. */
export function bulkActions(deps: BulkActionsDeps): HTMLElement {
  const note = field(
    '审核备注',
    input({ name: 'note', maxlength: 500, placeholder: '例如：同一家庭共用手机' }),
  );
  const decideOn = (decision: Decision) => () => void decide(deps, note.control, decision);
  return h(
    'div',
    { class: 'bulk-bar' },
    note.wrap,
    h(
      'button',
      { type: 'button', class: 'primary', id: 'approve-selected', onclick: decideOn('approve') },
      '批准所选',
    ),
    h(
      'button',
      { type: 'button', class: 'danger', id: 'void-selected', onclick: decideOn('void') },
      '作废所选',
    ),
  );
}
