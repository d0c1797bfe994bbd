import type { CampaignView, HeldGroup, HeldVote } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { field, h, select } from '../../dom.js';
import { NO_KEY, noKeyLabel, readKeyless } from './keyless.js';
import { type GroupBy, type ReviewSelection, tickInto } from './selection.js';
import { voteTable } from './vote-table.js';

/** The held groups as the review tab shows them, and how to read them again. */
export interface HeldGroups {
  /** The grouping's select, for the section's head. */
  by: HTMLElement;
  /** How many votes are held (or why they could not be read). */
  summary: HTMLElement;
  list: HTMLElement;
  /** Reads the groups again; the ticks are cleared, since the groups they named may be gone. */
  load(): Promise<void>;
}

/** The group's label: the server's, or the console's own for the group without a key. */
const labelOf = (g: HeldGroup, by: GroupBy) => (g.key === NO_KEY ? noKeyLabel(by) : g.label);

/**
 * One group: a box that ticks it, its label, key and figures, and 查看投票, which reads its votes
 * the first time it opens (200 at a time, newest first: 加载更多 reads the next page) and shows
 * them in tables whose rows can be ticked one by one. A read that fails is said in the group,
 * and 查看投票 or 加载更多 tries again.
 */
function groupRow(g: HeldGroup, campaign: CampaignView, selection: ReviewSelection): HTMLElement {
  const by = selection.groupBy;
  const label = labelOf(g, by);
  const detail = h('div', { class: 'group-votes', hidden: true });
  const box = h('input', {
    type: 'checkbox',
    'aria-label': `选择分组 ${label}`,
    'data-group': g.key,
    onchange: tickInto(selection.groups, g.key),
  });
  const param =
    by === 'reason' ? `reason=${encodeURIComponent(g.key)}` : `cluster=${encodeURIComponent(g.key)}`;
  const more = h('button', { type: 'button', class: 'link', hidden: true }, '加载更多');
  const failed = h('p', { class: 'form-error', role: 'alert' });
  let cursor: string | null = null;
  let tables = 0;
  async function nextPage(): Promise<{ votes: HeldVote[]; cursor: string | null }> {
    if (g.key === NO_KEY) return readKeyless(campaign.id, by, cursor, 200);
    const after = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const list = await api<{ votes?: HeldVote[]; nextCursor?: string | null }>(
      'GET',
      `/api/campaigns/${campaign.id}/review/held?${param}&limit=200${after}`,
    );
    return { votes: list.votes ?? [], cursor: list.nextCursor ?? null };
  }
  async function readPage(): Promise<void> {
    failed.textContent = '';
    try {
      const page = await nextPage();
      cursor = page.cursor;
      more.before(voteTable(page.votes, campaign.schedule.timezone, selection.votes));
      tables++;
      more.hidden = cursor === null;
    } catch (error) {
      failed.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  }
  more.addEventListener('click', () => void readPage());
  detail.append(more, failed);
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
        if (!open || tables > 0) return;
        await readPage();
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
        h('strong', {}, label),
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
}

/** The held votes in groups, by cluster or by rule as the host picks; changing it reads them again. */
export function heldGroups(campaign: CampaignView, selection: ReviewSelection): HeldGroups {
  const summary = h('p', { class: 'muted', id: 'held-summary', role: 'status' }, '正在加载…');
  const list = h('div', { id: 'held-groups' });
  const by = field(
    '分组方式',
    select(
      [
        ['cluster', '按聚集（设备、网段、账号、分享人）'],
        ['reason', '按触发规则'],
      ],
      selection.groupBy,
      { name: 'groupBy' },
    ),
  );
  async function load(): Promise<void> {
    selection.groups.clear();
    selection.votes.clear();
    try {
      const held = await api<{ held: number; groups?: HeldGroup[]; partial?: boolean }>(
        'GET',
        `/api/campaigns/${campaign.id}/review/held?groupBy=${selection.groupBy}`,
      );
      summary.textContent = held.held === 0 ? '没有待审核的投票' : `共 ${held.held} 票待审核`;
      // Grouping reads the oldest 20,000 held votes; say so when there are more.
      if (held.partial) summary.textContent += '（分组只统计最早的 20,000 票）';
      list.replaceChildren(...(held.groups ?? []).map((g) => groupRow(g, campaign, selection)));
    } catch (error) {
      summary.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  }
  by.control.addEventListener('change', () => {
    selection.groupBy = by.control.value as GroupBy;
    void load();
  });
  return { by: by.wrap, summary, list, load };
}
