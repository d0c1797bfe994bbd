import type { CouponPoolView } from '@rallyboard/core/protocol';
import { ApiError, api, createOnce } from '../../api.js';
import { whileBusy } from '../../busy.js';
import { field, h, input, toast } from '../../dom.js';
import { fromLocalInput } from '../../format.js';

type BadLine = { line: number; code: string; problem: string };
const PROBLEMS: Record<string, string> = {
  malformed: '格式不对',
  'duplicate in file': '文件内重复',
  'already imported': '已导入过',
};

/** A pool's stock in one line, and whether it has expired (its codes are then neither handed out nor redeemed). */
function stockText(pool: CouponPoolView, now = Date.now()): string {
  const s = pool.stock;
  const expired = Date.parse(pool.expiresAt) <= now ? ' · 已过期' : '';
  return `共 ${s.total} · 剩余 ${s.left} · 已发 ${s.granted} · 已核销 ${s.redeemed} · 核销后收回 ${s.flagged} · 收回作废 ${s.retired}${expired}`;
}

/** How often the stock lines are read again while the tab is open. */
const STOCK_EVERY_MS = 5_000;

/**
 * The stock monitor: while `list` is on the page, each pool's stock line is read again every few
 * seconds, in place, so codes handed out by the workers show as they go without disturbing a
 * CSV being typed. The loop ends when the tab is left.
 */
export function monitorStock(list: HTMLElement, base: string, everyMs = STOCK_EVERY_MS): void {
  const tick = async () => {
    if (!list.isConnected) return;
    // A read the tab's own refresh overtook (after an import or a 核销) is older than what it shows.
    const shown = list.dataset.rendered;
    try {
      const { pools } = await api<{ pools: CouponPoolView[] }>('GET', `${base}/coupon-pools`);
      for (const pool of list.dataset.rendered === shown ? pools : []) {
        const line = list.querySelector(`[data-pool-id="${pool.id}"] .stock`);
        if (line) line.textContent = stockText(pool);
      }
    } catch {
      // The next read tries again; the tab's own load reports a failure where it is.
    }
    setTimeout(tick, everyMs);
  };
  setTimeout(tick, everyMs);
}

/** One pool: its stock, and a CSV import that lists its bad lines and imports nothing until fixed. */
export function poolItem(pool: CouponPoolView, base: string, refresh: () => Promise<void>): HTMLElement {
  const csv = h('textarea', { rows: 3, 'aria-label': `「${pool.name}」的券码（每行一个）` });
  const lines = h('ul', { class: 'bad-lines', 'aria-label': `「${pool.name}」有误的行` });
  const button = h('button', { type: 'button' }, '导入券码');
  const importCodes = async () => {
    lines.replaceChildren();
    try {
      const done = await api<{ imported: number }>('POST', `${base}/coupon-pools/${pool.id}/codes`, {
        csv: csv.value,
      });
      toast(`已导入 ${done.imported} 个券码`);
      csv.value = '';
      await refresh();
    } catch (error) {
      if (!(error instanceof ApiError)) return;
      toast(error.message, 'error');
      const details = error.details as { lines?: BadLine[] } | undefined;
      lines.replaceChildren(
        ...(details?.lines ?? []).map((l) =>
          h('li', {}, `第 ${l.line} 行「${l.code}」：${PROBLEMS[l.problem] ?? l.problem}`),
        ),
      );
    }
  };
  button.addEventListener('click', () => whileBusy(button, importCodes));
  return h(
    'li',
    { class: 'coupon-pool', 'data-pool-id': pool.id },
    h('strong', {}, pool.name),
    h('p', { class: 'stock' }, stockText(pool)),
    csv,
    button,
    lines,
  );
}

/** The last second of a day (`YYYY-MM-DD`) in the campaign's timezone, or '' (the server names the field). */
function endOfDay(day: string, timezone: string): string {
  const minute = fromLocalInput(`${day}T23:59`, timezone);
  return minute && new Date(Date.parse(minute) + 59_000).toISOString();
}

/** A new pool: its name, how many codes one participant may hold, and the codes' last day (to its end, in the campaign's timezone). */
export function poolForm(
  base: string,
  timezone: string,
  problem: HTMLElement,
  refresh: () => Promise<void>,
): HTMLElement {
  const create = createOnce();
  const name = field('券池名称', input({ name: 'poolName', maxlength: 60 }));
  const perParticipant = field(
    '每人最多',
    input({ name: 'perParticipant', type: 'number', min: 1, max: 100, value: '1' }),
  );
  const expiresAt = field('有效期至', input({ name: 'expiresAt', type: 'date' }));
  const button = h('button', { type: 'submit' }, '添加券池');
  // Only the add itself can fail the add: the list read after it says its own failure.
  const add = async () => {
    problem.textContent = '';
    try {
      await create(`${base}/coupon-pools`, {
        name: name.control.value,
        perParticipant: Number(perParticipant.control.value),
        expiresAt: endOfDay(expiresAt.control.value, timezone),
      });
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '添加失败';
      return;
    }
    toast('已添加券池');
    await refresh();
  };
  const submit = (event: Event) => {
    event.preventDefault();
    void whileBusy(button, add);
  };
  return h(
    'form',
    { class: 'card pool-form', 'aria-label': '添加券池', onsubmit: submit },
    name.wrap,
    perParticipant.wrap,
    expiresAt.wrap,
    button,
  );
}

/** 核销: the shop took a code of a pool. */
export function redeemForm(
  base: string,
  poolSelect: HTMLSelectElement,
  refresh: () => Promise<void>,
): HTMLElement {
  const code = field('券码', input({ name: 'code' }));
  const button = h('button', { type: 'submit' }, '核销');
  const redeem = async () => {
    try {
      await api('POST', `${base}/coupon-pools/${poolSelect.value}/redeem`, {
        code: code.control.value.trim(),
      });
    } catch (error) {
      toast(error instanceof ApiError ? error.message : '核销失败', 'error');
      return;
    }
    toast('已核销');
    code.control.value = '';
    await refresh();
  };
  const submit = (event: Event) => {
    event.preventDefault();
    // No pool listed (none added, or the list could not be read): nothing to redeem from.
    if (!poolSelect.value) toast('没有可核销的券池：请先添加券池', 'error');
    else void whileBusy(button, redeem);
  };
  return h(
    'form',
    { class: 'card redeem-form', 'aria-label': '核销券码', onsubmit: submit },
    poolSelect,
    code.wrap,
    button,
  );
}
