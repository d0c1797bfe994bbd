import type { ReviewAction } from '@rallyboard/core/protocol';
import { api } from '../api.js';
import { h } from '../dom.js';

const KIND_LABELS: Record<ReviewAction['kind'], string> = {
  approve: '批准',
  void: '作废',
  'void-by-rule': '按规则作废',
  'hold-cluster': '聚集暂扣',
};
const STATE_LABELS: Record<ReviewAction['state'], string> = {
  queued: '排队中',
  running: '处理中',
  done: '已完成',
  failed: '失败',
};

/**
 * A review action as it runs in the background: a progress bar and its counts, polled until the
 * action is done or failed. Resolves with the final action.
 */
export function trackAction(
  container: HTMLElement,
  campaignId: string,
  first: ReviewAction,
  label: string,
): Promise<ReviewAction> {
  const bar = h('progress', { max: 1, value: first.progress, 'aria-label': `${label} 进度` });
  const text = h('span', { class: 'action-text' });
  const item = h(
    'li',
    { class: 'action', 'data-action-id': first.id, 'data-state': first.state },
    h('strong', {}, label),
    bar,
    text,
  );
  container.prepend(item);
  const draw = (a: ReviewAction) => {
    bar.value = a.progress;
    item.dataset.state = a.state;
    text.textContent = `${KIND_LABELS[a.kind]} · ${STATE_LABELS[a.state]} · 匹配 ${a.matched} 票，变更 ${a.changed} 票，无需变更 ${a.unchanged} 票${a.error ? ` · ${a.error}` : ''}`;
  };
  draw(first);
  return new Promise((resolve) => {
    const tick = async () => {
      let a = first;
      try {
        a = await api<ReviewAction>('GET', `/api/campaigns/${campaignId}/review/actions/${first.id}`);
        draw(a);
      } catch {
        // A missed poll only delays the bar; the next one catches up.
      }
      if (a.state === 'done' || a.state === 'failed') resolve(a);
      else if (item.isConnected) setTimeout(tick, 500);
    };
    setTimeout(tick, 300);
  });
}
