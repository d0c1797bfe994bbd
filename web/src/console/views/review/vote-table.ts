import type { HeldVote } from '@rallyboard/core/protocol';
import { h } from '../../dom.js';
import { formatTime } from '../../format.js';
import { tickInto } from './selection.js';

const HEADINGS = ['', '时间', '候选', 'IP', '设备', '风险分', '原因'];

/** One held vote: a box that ticks it into `selected`, then when, for whom, from where and why. */
function voteRow(v: HeldVote, tz: string, selected: Set<string>): HTMLTableRowElement {
  const box = h('input', {
    type: 'checkbox',
    'aria-label': `选择投票 ${v.voteId}`,
    'data-vote-id': v.voteId,
    onchange: tickInto(selected, v.voteId),
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
}

/** A group's held votes, shown when the host opens the group; times in the campaign's zone. */
export function voteTable(votes: readonly HeldVote[], tz: string, selected: Set<string>): HTMLTableElement {
  return h(
    'table',
    { class: 'table compact votes' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...HEADINGS.map((t, i) =>
          h('th', { scope: 'col' }, i === 0 ? h('span', { class: 'sr-only' }, '选择') : t),
        ),
      ),
    ),
    h('tbody', {}, ...votes.map((v) => voteRow(v, tz, selected))),
  );
}
