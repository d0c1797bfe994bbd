import type { CampaignMonitor } from '@rallyboard/core/protocol';
import { h } from '../../dom.js';
import { formatCount, formatDuration, formatRate, formatShare } from '../../format.js';

/** A figure's card: its label, its value and a note under it. */
function stat(id: string, label: string) {
  const value = h('div', { class: 'stat-value', id }, '—');
  const note = h('div', { class: 'stat-note' });
  return {
    el: h('div', { class: 'stat card' }, h('div', { class: 'stat-label' }, label), value, note),
    value,
    note,
  };
}

/** The monitor's figures, in the order they are shown. */
export function monitorStats() {
  return {
    rate: stat('stat-rate', '每秒票数（近 1 分钟）'),
    total: stat('stat-total', '排行榜总票数'),
    depth: stat('stat-queue', '队列深度（任务）'),
    lag: stat('stat-lag', '处理延迟'),
    counted: stat('stat-counted', '已计入'),
    held: stat('stat-held', '待审核'),
    rejected: stat('stat-rejected', '已拒绝'),
    deadLetters: stat('stat-dead-letters', '处理失败（未计入）'),
    rebuild: stat('stat-rebuild', '从账本恢复排行榜'),
  };
}

export type MonitorStats = ReturnType<typeof monitorStats>;

/** Writes one /monitor answer into the figures; a lag over 5 s, any dead letter and a rebuild are flagged. */
export function drawStats(
  { rate, total, depth, lag, counted, held, rejected, deadLetters, rebuild }: MonitorStats,
  m: CampaignMonitor,
): void {
  rate.value.textContent = formatRate(m.rate);
  rate.note.textContent = `最近一秒 ${formatCount(m.votesPerSecond.at(-1)?.votes ?? 0)} 票`;
  total.value.textContent = formatCount(m.total);
  depth.value.textContent = formatCount(m.queue.depth);
  depth.note.textContent = `等待 ${m.queue.waiting} · 处理中 ${m.queue.active} · 延后 ${m.queue.delayed}`;
  lag.value.textContent = formatDuration(m.queue.lagMs);
  lag.el.classList.toggle('warn', m.queue.lagMs > 5_000);
  const decided = m.verdicts.counted + m.verdicts.held + m.verdicts.rejected;
  counted.value.textContent = formatCount(m.verdicts.counted);
  held.value.textContent = formatCount(m.verdicts.held);
  held.note.textContent = `占 ${formatShare(m.verdicts.held, decided)}`;
  rejected.value.textContent = formatCount(m.verdicts.rejected);
  rejected.note.textContent = `占 ${formatShare(m.verdicts.rejected, decided)}`;
  // Accepted votes in jobs that failed for good: not counted until `npm run replay`.
  deadLetters.value.textContent = formatCount(m.deadLetters.votes);
  deadLetters.note.textContent =
    m.deadLetters.jobs === 0 ? '无' : `${m.deadLetters.jobs} 个任务 · 用 npm run replay 重新处理`;
  deadLetters.el.classList.toggle('warn', m.deadLetters.jobs > 0);
  // A rebuild fences the board: votes wait and count once it is installed; one that stays was
  // left half restored by a rebuild that failed, and is run again (docs/operations.md).
  rebuild.value.textContent = m.rebuilding ? '进行中' : '无';
  rebuild.note.textContent = m.rebuilding
    ? '投票排队等候，恢复完成后计入；长时间未完成请重新运行 npm run rebuild'
    : '';
  rebuild.el.classList.toggle('warn', m.rebuilding);
}
