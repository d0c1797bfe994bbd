import type {
  CampaignView,
  CheckState,
  DecideEntriesAnswer,
  EntrySettingsView,
  EntryStatus,
  ModerationEntry,
  ModerationPage,
} from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { confirmDialog, field, h, input, select, toast } from '../../dom.js';
import { formatTime } from '../../format.js';
import { entrySettingsForm } from './settings-form.js';
import { suggestionBoard } from './suggestions.js';

const STATUS_LABELS: Record<EntryStatus, string> = {
  pending: '检测中',
  'in-review': '待审核',
  approved: '已通过',
  rejected: '已驳回',
  withdrawn: '已撤回',
  removed: '已移出候选',
};

const CHECK_LABELS: Record<CheckState, string> = {
  waiting: '检测中',
  pass: '通过',
  review: '需人工复核',
  risky: '违规',
  unchecked: '未能检测',
};

/** One entry's row: a box to tick, what it is, what the checks said, where it came from. */
function entryRow(entry: ModerationEntry, ticked: Set<string>): HTMLElement {
  const box = h('input', { type: 'checkbox', 'aria-label': `选择「${entry.title}」` });
  box.checked = ticked.has(entry.id);
  box.addEventListener('change', () => {
    if (box.checked) ticked.add(entry.id);
    else ticked.delete(entry.id);
  });
  const checks = [
    `文字：${CHECK_LABELS[entry.checks.text]}`,
    ...entry.checks.images.map((c, i) => `图${i + 1}：${CHECK_LABELS[c]}`),
  ];
  return h(
    'tr',
    { 'data-entry': entry.id },
    h('td', {}, box),
    h(
      'td',
      {},
      h('strong', {}, entry.title),
      entry.text ? h('p', { class: 'entry-text' }, entry.text) : null,
      h(
        'div',
        { class: 'entry-images' },
        ...entry.images.map((image) =>
          h('img', { src: `/media/entries/${image.imageId}`, alt: `${entry.title} 的图片`, loading: 'lazy' }),
        ),
      ),
    ),
    h(
      'td',
      { class: 'entry-checks' },
      checks.join('；'),
      entry.checks.note ? h('div', { class: 'muted' }, entry.checks.note) : null,
    ),
    h(
      'td',
      { class: entry.sameDevice > 1 || entry.sameAddress > 3 ? 'entry-origin warn' : 'entry-origin' },
      `同设备 ${entry.sameDevice} 件 · 同IP ${entry.sameAddress} 件`,
    ),
    h('td', {}, formatTime(entry.createdAt)),
  );
}

const OUTCOME_LABELS: Record<DecideEntriesAnswer['results'][number]['outcome'], string> = {
  approved: '已通过',
  rejected: '已驳回',
  'not-found': '不存在',
  'not-in-review': '状态已变化',
  refused: '未能处理',
};

/** Entries a page of the queue holds: 加载更多 reads the next. */
const PAGE_SIZE = 50;

/**
 * The queue's rows of the status `filter` names, oldest first, a page at a time: `load()` reads
 * the first page (and unticks everything), 加载更多 appends the next.
 */
function pagedQueue(campaignId: string, filter: HTMLSelectElement, ticked: Set<string>) {
  const rows = h('tbody', {});
  const status = h('p', { class: 'muted', role: 'status', id: 'entries-status' });
  const more = h('button', { type: 'button', id: 'entries-more', hidden: true }, '加载更多');
  let cursor: string | null = null;
  const load = async (next = false) => {
    if (!next) {
      ticked.clear();
      cursor = null;
    }
    more.disabled = true;
    try {
      const after = next && cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await api<ModerationPage>(
        'GET',
        `/api/campaigns/${campaignId}/entries?status=${filter.value}&limit=${PAGE_SIZE}${after}`,
      );
      const shown = page.entries.map((e) => entryRow(e, ticked));
      if (next) rows.append(...shown);
      else rows.replaceChildren(...shown);
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      const count = rows.childElementCount;
      status.textContent =
        count === 0 ? '没有这个状态的报名' : cursor === null ? `${count} 件` : `已显示 ${count} 件，还有更多`;
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : '加载失败';
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void load(true));
  return { rows, status, more, load };
}

/**
 * 报名审核: the campaign's entry settings, and the moderation queue: entries in a status with what
 * WeChat's checks said and how many came from one device or address, oldest first, a page at a
 * time; the ticked ones approved (each becomes a candidate) or rejected with a note the authors read.
 */
export function renderEntries(body: HTMLElement, campaign: CampaignView): undefined {
  const ticked = new Set<string>();
  const filter = select(
    (['in-review', 'pending', 'approved', 'rejected', 'withdrawn', 'removed'] as const).map(
      (s) => [s, STATUS_LABELS[s]] as const,
    ),
    'in-review',
    { id: 'entries-filter', 'aria-label': '按状态查看' },
  );
  const { rows, status, more, load } = pagedQueue(campaign.id, filter, ticked);
  const note = field('驳回理由（作者可见）', input({ maxlength: 200, id: 'entries-note' }));
  const approve = h('button', { type: 'button', class: 'primary', id: 'entries-approve' }, '通过所选');
  const reject = h('button', { type: 'button', class: 'danger', id: 'entries-reject' }, '驳回所选');
  const decide = async (decision: 'approve' | 'reject') => {
    if (ticked.size === 0) return toast('请先选择报名', 'error');
    const reason = note.control.value.trim();
    if (decision === 'reject' && !reason) return note.setError('驳回需要填写理由，作者会看到');
    note.setError(undefined);
    const ok = await confirmDialog({
      title: decision === 'approve' ? '通过所选报名' : '驳回所选报名',
      message:
        decision === 'approve'
          ? `通过后 ${ticked.size} 件作品将成为候选，出现在排行榜和大屏上。`
          : `驳回 ${ticked.size} 件作品，理由：${reason}`,
      confirm: decision === 'approve' ? '通过' : '驳回',
      danger: decision === 'reject',
    });
    if (!ok) return;
    try {
      const answer = await api<DecideEntriesAnswer>(
        'POST',
        `/api/campaigns/${campaign.id}/entries/decisions`,
        {
          entryIds: [...ticked],
          decision,
          ...(reason ? { note: reason } : {}),
        },
      );
      const counts = new Map<string, number>();
      for (const r of answer.results)
        counts.set(OUTCOME_LABELS[r.outcome], (counts.get(OUTCOME_LABELS[r.outcome]) ?? 0) + 1);
      toast([...counts].map(([label, n]) => `${label} ${n} 件`).join('，'));
      note.control.value = '';
    } catch (error) {
      toast(error instanceof ApiError ? error.message : '操作失败', 'error');
    }
    await load();
  };
  filter.addEventListener('change', () => void load());
  approve.addEventListener('click', () => void decide('approve'));
  reject.addEventListener('click', () => void decide('reject'));
  const queue = h(
    'section',
    { class: 'card' },
    h('h2', {}, '报名审核'),
    h('div', { class: 'toolbar' }, filter, approve, reject),
    note.wrap,
    h(
      'table',
      { id: 'entries-queue', class: 'table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, ''),
          h('th', {}, '作品'),
          h('th', {}, '内容安全检测'),
          h('th', {}, '来源'),
          h('th', {}, '提交时间'),
        ),
      ),
      rows,
    ),
    status,
    more,
  );
  body.append(queue);
  void api<EntrySettingsView>('GET', `/api/campaigns/${campaign.id}/entry-settings`)
    .then((view) => {
      body.prepend(entrySettingsForm(campaign, view));
      if (view.settings?.purpose === 'suggestions') body.append(suggestionBoard(campaign.id));
    })
    .catch((error: unknown) => toast(error instanceof ApiError ? error.message : '加载失败', 'error'));
  void load();
}
