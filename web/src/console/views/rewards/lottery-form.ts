import {
  type CampaignView,
  type LotteryView,
  lotteryInputSchema,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { ApiError, createOnce } from '../../api.js';
import { whileBusy } from '../../busy.js';
import { type Field, field, h, input, toast } from '../../dom.js';
import { issuesByField, showIssues } from '../../form-errors.js';
import { STATUS_LABELS } from '../../lifecycle.js';

/** The schema's bound on prizes (lotteryInputSchema): the add button stops there. */
const MAX_PRIZES = 10;

/**
 * Statuses a lottery may still be added in (the server's LOTTERY_TOO_LATE otherwise): its
 * commitment must come before the first ticket, and tickets come from votes once it is live.
 */
const OPEN_STATUSES: ReadonlySet<CampaignView['status']> = new Set(['draft', 'scheduled']);

const HOW_IT_WORKS =
  '抽奖须在活动开始前添加（草稿或已排期时）：添加时生成随机种子，并立即公布它的 SHA-256（种子承诺；草稿活动在排期发布时一并公开）。' +
  '开奖时公布种子本身和全部有效抽奖券，任何人都能核对种子没有被更换，并复算中奖结果。';

interface PrizeRow {
  wrap: HTMLElement;
  name: Field;
  count: Field;
  remove: HTMLButtonElement;
}

const labelOf = (f: Field) => f.wrap.querySelector('label') as HTMLLabelElement;

/** The prizes, in draw order, as rows of name and count that can be added and removed. */
function prizeRows() {
  const rows: PrizeRow[] = [];
  const list = h('div', { class: 'prize-rows' });
  const more = h('button', { type: 'button' }, '添加奖品');
  // Labels follow the row's place, so they read 奖品 1, 2, 3 again after a row is removed.
  const renumber = () => {
    rows.forEach((row, i) => {
      labelOf(row.name).textContent = `奖品 ${i + 1} 名称`;
      labelOf(row.count).textContent = `奖品 ${i + 1} 名额`;
      row.remove.setAttribute('aria-label', `删除奖品 ${i + 1}`);
      row.remove.disabled = rows.length === 1;
    });
    more.disabled = rows.length >= MAX_PRIZES;
  };
  const add = () => {
    const row: PrizeRow = {
      name: field('奖品名称', input({ maxlength: 60, placeholder: '如：一等奖' })),
      count: field('名额', input({ type: 'number', min: 1, max: 1000, value: '1' })),
      remove: h('button', { type: 'button', class: 'icon' }, '×'),
      wrap: h('div', { class: 'row prize-row' }),
    };
    row.wrap.append(row.name.wrap, row.count.wrap, row.remove);
    row.remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      row.wrap.remove();
      renumber();
    });
    rows.push(row);
    list.append(row.wrap);
    renumber();
  };
  more.addEventListener('click', () => {
    add();
    rows.at(-1)?.name.control.focus();
  });
  const reset = () => {
    rows.splice(0).forEach((row) => {
      row.wrap.remove();
    });
    add();
  };
  add();
  return { rows, list, more, reset };
}

/**
 * 添加抽奖: a name, the prizes, and how many tickets one participant may hold. Open only before the
 * campaign starts; after, the form stays in view, disabled, saying why. The schema is checked
 * here first, and the server's field issues land on the same fields.
 */
export function lotteryForm(campaign: CampaignView, base: string, added: (view: LotteryView) => void) {
  const open = OPEN_STATUSES.has(campaign.status);
  const create = createOnce();
  const name = field('抽奖名称', input({ name: 'lotteryName', maxlength: 60 }));
  const prizes = prizeRows();
  const perParticipant = field(
    '每人可持券数',
    input({ name: 'perTickets', type: 'number', min: 1, max: 100, value: '1' }),
    '一人最多持有几张抽奖券：再多的有效投票也不再加券；每人最多中奖一次',
  );
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, '添加抽奖');
  const fieldOf = (path: string): Field | undefined => {
    if (path === 'name') return name;
    if (path === 'perParticipant') return perParticipant;
    const [, index, key] = /^prizes\.(\d+)\.(name|count)$/.exec(path) ?? [];
    const row = prizes.rows[Number(index)];
    return row && (key === 'name' ? row.name : row.count);
  };
  const show = (issues: Map<string, string>) =>
    showIssues(issues, {
      fields: [name, perParticipant, ...prizes.rows.flatMap((r) => [r.name, r.count])],
      fieldOf,
      problem,
      loose: (path, message) => (path === 'prizes' ? `奖品：${message}` : message),
    });
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = {
      name: name.control.value,
      prizes: prizes.rows.map((r) => ({ name: r.name.control.value, count: Number(r.count.control.value) })),
      perParticipant: Number(perParticipant.control.value),
    };
    const checked = lotteryInputSchema.safeParse(body);
    show(checked.success ? new Map() : issuesByField(toFieldIssues(checked.error)));
    if (!checked.success) return;
    // WeChat checks the name and prizes first (seconds): the button waits, so one click adds one.
    await whileBusy(button, async () => {
      try {
        const view = await create<LotteryView>(`${base}/lotteries`, checked.data);
        toast(`已添加抽奖「${view.name}」，种子承诺已生成`);
        name.control.value = '';
        prizes.reset();
        added(view);
      } catch (error) {
        if (error instanceof ApiError && error.issues.length > 0) show(issuesByField(error.issues));
        else problem.textContent = error instanceof ApiError ? error.message : '添加失败';
      }
    });
  };
  return h(
    'form',
    { class: 'card lottery-form', 'aria-label': '添加抽奖', novalidate: true, onsubmit: submit },
    h('p', { class: 'muted' }, HOW_IT_WORKS),
    open
      ? null
      : h(
          'p',
          { class: 'form-note', role: 'note' },
          `活动${STATUS_LABELS[campaign.status]}，不能再添加抽奖：种子承诺须在活动开始、产生第一张抽奖券之前公布。`,
        ),
    h(
      'fieldset',
      { disabled: !open },
      name.wrap,
      h('div', { class: 'prizes' }, prizes.list, prizes.more),
      perParticipant.wrap,
      problem,
      button,
    ),
  );
}
