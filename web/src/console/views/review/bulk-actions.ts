import type { ReviewAction } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { confirmDialog, field, h, input, toast } from '../../dom.js';
import { trackAction } from '../action-progress.js';
import { keylessIdChunks, NO_KEY, noKeyLabel } from './keyless.js';
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

interface Chosen {
  select: Record<string, unknown>;
  label: string;
}

/**
 * One review request per ticked group, and one for all the ticked single votes. The group without
 * a key has no selector of its own: its votes held now are read and sent by their ids.
 */
async function selections(campaignId: string, selection: ReviewSelection): Promise<Chosen[]> {
  const chosen: Chosen[] = [];
  for (const key of selection.groups) {
    if (key === NO_KEY) {
      const label = noKeyLabel(selection.groupBy);
      const chunks = await keylessIdChunks(campaignId, selection.groupBy);
      chosen.push(...chunks.map((voteIds) => ({ select: { voteIds }, label })));
    } else {
      chosen.push({
        select: selection.groupBy === 'reason' ? { reason: key } : { cluster: key },
        label: key,
      });
    }
  }
  if (selection.votes.size > 0) {
    chosen.push({ select: { voteIds: [...selection.votes] }, label: `${selection.votes.size} 张选中的投票` });
  }
  return chosen;
}

/** What is ticked, in words, for the question before acting. */
function tickedLabels(selection: ReviewSelection): string[] {
  return [
    ...[...selection.groups].map((key) => (key === NO_KEY ? noKeyLabel(selection.groupBy) : key)),
    ...(selection.votes.size > 0 ? [`${selection.votes.size} 张选中的投票`] : []),
  ];
}

/** Sends each selection and follows its action; resolves with how many were refused or failed. */
async function send(deps: BulkActionsDeps, chosen: Chosen[], decision: Decision, note: string) {
  const { campaignId, actions } = deps;
  const verb = decision === 'approve' ? '批准' : '作废';
  const runs: Promise<ReviewAction>[] = [];
  let refused = 0;
  for (const s of chosen) {
    try {
      const action = await api<ReviewAction>('POST', `/api/campaigns/${campaignId}/review`, {
        decision,
        select: s.select,
        ...(note ? { note } : {}),
      });
      runs.push(trackAction(actions, campaignId, action, `${verb}：${s.label}`));
    } catch (error) {
      refused++;
      toast(error instanceof ApiError ? error.message : `${verb}失败`, 'error');
    }
  }
  const done = await Promise.all(runs);
  return refused + done.filter((a) => a.state === 'failed').length;
}

/**
 * Approves or voids what is ticked, after asking: one request per selection, with the note as it
 * reads once the host confirms (a refused request is said and the rest still go), each followed in
 * the action list; the groups are read again once all are done. The last word says whether all
 * went through: 完成 only when every request was taken and every action finished.
 */
async function decide(deps: BulkActionsDeps, note: HTMLInputElement, decision: Decision): Promise<void> {
  const ticked = tickedLabels(deps.selection);
  if (ticked.length === 0) {
    toast('请先选择分组或投票', 'error');
    return;
  }
  const verb = decision === 'approve' ? '批准' : '作废';
  const ok = await confirmDialog({
    title: `${verb}所选投票`,
    message:
      decision === 'approve'
        ? `批准后这些投票将计入排行榜（${ticked.join('、')}）。`
        : `作废后这些投票不再计入，已计入的将被扣回（${ticked.join('、')}）。`,
    confirm: `确定${verb}`,
    danger: decision === 'void',
  });
  if (!ok) return;
  let chosen: Chosen[];
  try {
    chosen = await selections(deps.campaignId, deps.selection);
  } catch (error) {
    toast(`${verb}失败：${error instanceof ApiError ? error.message : '读取待审核投票失败'}`, 'error');
    return;
  }
  const failed = await send(deps, chosen, decision, note.value.trim());
  if (failed === 0) toast(`${verb}完成`);
  else toast(`${verb}未全部完成：${failed} 项失败`, 'error');
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
