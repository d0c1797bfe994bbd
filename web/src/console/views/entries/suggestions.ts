import { SUGGESTION_MOVES, SUGGESTION_STATUS_LABELS, type SuggestionView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { h, input, select, toast } from '../../dom.js';
import { formatTime } from '../../format.js';

/** One suggestion: its status and timeline, and the host's next move with the public reply. */
function suggestionCard(campaignId: string, s: SuggestionView, reload: () => Promise<void>): HTMLElement {
  const moves = SUGGESTION_MOVES[s.status];
  const timeline = h(
    'ol',
    { class: 'timeline' },
    ...s.timeline.map((step) =>
      h(
        'li',
        { 'data-status': step.status },
        h('strong', {}, SUGGESTION_STATUS_LABELS[step.status]),
        ' ',
        h('span', { class: 'muted' }, formatTime(step.at)),
        step.reply ? h('div', { class: 'reply' }, step.reply) : null,
      ),
    ),
  );
  const card = h(
    'li',
    { class: 'suggestion', 'data-suggestion': s.id },
    h(
      'div',
      { class: 'suggestion-head' },
      h('strong', {}, s.title),
      h('span', { class: `badge status-${s.status}` }, SUGGESTION_STATUS_LABELS[s.status]),
    ),
    s.text ? h('p', { class: 'entry-text' }, s.text) : null,
    timeline,
  );
  if (moves.length === 0) return card;
  const next = select(
    moves.map((m) => [m, SUGGESTION_STATUS_LABELS[m]] as const),
    moves[0] ?? 'under-study',
    { 'aria-label': `「${s.title}」的新进度` },
  );
  const reply = input({
    maxlength: 1000,
    placeholder: '公开答复（采纳、答复时必填）',
    'aria-label': `「${s.title}」的公开答复`,
  });
  const go = h('button', { type: 'button', class: 'primary' }, '更新进度');
  go.addEventListener('click', () => {
    go.disabled = true;
    const body = { status: next.value, ...(reply.value.trim() ? { reply: reply.value.trim() } : {}) };
    api<SuggestionView>('POST', `/api/campaigns/${campaignId}/suggestions/${s.id}/progress`, body)
      .then(() => {
        toast('进度已更新，订阅了的人会收到通知');
        return reload();
      })
      .catch((error: unknown) => toast(error instanceof ApiError ? error.message : '更新失败', 'error'))
      .finally(() => {
        go.disabled = false;
      });
  });
  card.append(h('div', { class: 'toolbar' }, next, reply, go));
  return card;
}

/**
 * 建议进度 (a suggestion box's status board): each approved suggestion with its timeline, moved
 * forward by the host with a public reply; everyone who asked to hear of it is told.
 */
export function suggestionBoard(campaignId: string): HTMLElement {
  const list = h('ul', { id: 'suggestion-board', class: 'suggestions' });
  const status = h('p', { class: 'muted', role: 'status' });
  const load = async () => {
    try {
      const answer = await api<{ suggestions: SuggestionView[] }>(
        'GET',
        `/api/campaigns/${campaignId}/suggestions`,
      );
      list.replaceChildren(...answer.suggestions.map((s) => suggestionCard(campaignId, s, load)));
      status.textContent = answer.suggestions.length === 0 ? '还没有通过审核的建议' : '';
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  };
  void load();
  return h('section', { class: 'card' }, h('h2', {}, '建议进度'), list, status);
}
