import type { CampaignView, LotteryView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { confirmDialog, h, toast } from '../../dom.js';
import { formatCount, formatTime } from '../../format.js';
import { hostList } from './host-list.js';
import { lotteryForm } from './lottery-form.js';

/** Statuses a lottery may be drawn in (the server's LOTTERY_NOT_ENDED otherwise). */
const OVER: ReadonlySet<CampaignView['status']> = new Set(['ended', 'archived']);

interface ItemContext {
  campaign: CampaignView;
  base: string;
  /** A lottery the server answered anew (drawn): the list shows it in place of the old one. */
  changed: (view: LotteryView) => void;
}

const prizesText = (lottery: LotteryView) =>
  `${lottery.prizes.map((p) => `${p.name} ${p.count} 名`).join('、')} · 每人最多持有 ${lottery.perParticipant} 张`;

/** A hex digest, whole: monospace, wrapped anywhere, selected in one click to be copied. */
const hash = (value: string, className: string) => h('code', { class: `hash ${className}` }, value);

/** 开奖 after the host confirms: once, and only after the end (the server says so otherwise). */
function drawControls(lottery: LotteryView, context: ItemContext, problem: HTMLElement): HTMLElement {
  const button = h(
    'button',
    { type: 'button', class: 'primary', 'aria-label': `开奖「${lottery.name}」` },
    '开奖',
  );
  button.addEventListener('click', async () => {
    const sure = await confirmDialog({
      title: `开奖：${lottery.name}`,
      message:
        '开奖只能进行一次，结果不可更改。开奖后公布种子、全部有效抽奖券和中奖名单，任何人都可以复算。确定现在开奖？',
      confirm: '确定开奖',
      danger: true,
    });
    if (!sure) return;
    problem.textContent = '';
    button.disabled = true;
    try {
      const drawn = await api<LotteryView>('POST', `${context.base}/lotteries/${lottery.id}/draw`);
      toast(`「${drawn.name}」已开奖`);
      context.changed(drawn);
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '开奖失败';
      button.disabled = false;
    }
  });
  // The button stays even before the end: the campaign may have ended since this page loaded,
  // and the server, not this page's copy of the status, decides.
  const over = OVER.has(context.campaign.status);
  return h(
    'div',
    { class: 'actions' },
    button,
    over ? null : h('span', { class: 'muted' }, '活动结束后才能开奖'),
  );
}

/** A drawn lottery's facts: when, and the seed whose SHA-256 is the commitment above them. */
const drawnFacts = (lottery: LotteryView, campaign: CampaignView) => [
  h('dt', {}, '开奖时间'),
  h('dd', {}, formatTime(lottery.drawnAt ?? '', campaign.schedule.timezone)),
  h('dt', {}, '种子'),
  h('dd', {}, hash(lottery.seed ?? '', 'seed')),
];

/** A drawn lottery's winners, and how anyone checks them. */
function drawResult(lottery: LotteryView, campaign: CampaignView): HTMLElement[] {
  const winners = lottery.winners ?? [];
  return [
    winners.length === 0
      ? h('p', { class: 'muted' }, '没有有效抽奖券，无人中奖。')
      : h(
          'table',
          { class: 'table compact winners' },
          h('caption', {}, `中奖名单（${formatCount(winners.length)} 名）`),
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, '奖品'), h('th', {}, '中奖者（哈希）'), h('th', {}, '抽奖券')),
          ),
          h(
            'tbody',
            {},
            ...winners.map((w) =>
              h(
                'tr',
                {},
                h('td', {}, w.prize),
                h('td', {}, hash(w.holder, 'holder')),
                h('td', {}, hash(w.ticket, 'ticket')),
              ),
            ),
          ),
        ),
    h(
      'p',
      { class: 'muted verify' },
      '任何人都可以核对：种子的 SHA-256 应等于上面的种子承诺，中奖名单可由种子和公布的全部抽奖券复算。运行 ',
      h('code', {}, `npm run verify-draw -- ${campaign.id}`),
      ' 即可检查。参与者在「我的奖励」里看到自己的持券哈希。',
    ),
  ];
}

/** One lottery: its prizes and terms, the commitment, its tickets, then 开奖 or the result. */
function lotteryItem(lottery: LotteryView, context: ItemContext): HTMLElement {
  const { campaign } = context;
  const drawn = lottery.status === 'drawn';
  const problem = h('div', { class: 'form-error', role: 'alert' });
  return h(
    'li',
    { class: 'card lottery', 'aria-label': `抽奖「${lottery.name}」`, 'data-status': lottery.status },
    h(
      'div',
      { class: 'lottery-head' },
      h('strong', {}, lottery.name),
      h('span', { class: `badge lottery-${lottery.status}` }, drawn ? '已开奖' : '待开奖'),
    ),
    h('p', { class: 'prizes' }, prizesText(lottery)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, '种子承诺（SHA-256）'),
      h('dd', {}, hash(lottery.commitment, 'commitment')),
      h('dt', {}, '承诺时间'),
      h('dd', {}, formatTime(lottery.committedAt, campaign.schedule.timezone)),
      h('dt', {}, drawn ? '参与开奖的抽奖券' : '已发抽奖券'),
      h('dd', { class: 'tickets' }, `${formatCount(lottery.tickets)} 张`),
      drawn ? drawnFacts(lottery, campaign) : null,
    ),
    h('p', { class: 'terms' }, lottery.terms),
    drawn ? drawResult(lottery, campaign) : drawControls(lottery, context, problem),
    problem,
  );
}

/**
 * 抽奖: the campaign's lotteries and a form for a new one, as the host's list has them at any
 * status (a draft's too). `lotterySelect` is the rule form's choice of lottery, kept to the same
 * list.
 */
export function lotterySection(
  campaign: CampaignView,
  base: string,
  lotterySelect: HTMLSelectElement,
): { element: HTMLElement; refresh: () => Promise<void> } {
  const list = h('ul', { class: 'lotteries', 'aria-label': '抽奖列表' });
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const render = (lotteries: LotteryView[]) => {
    const context = { campaign, base, changed: keep };
    list.replaceChildren(...lotteries.map((l) => lotteryItem(l, context)));
    const chosen = lotterySelect.value;
    lotterySelect.replaceChildren(
      ...lotteries.map((l) =>
        h('option', { value: l.id }, l.status === 'drawn' ? `${l.name}（已开奖）` : l.name),
      ),
    );
    if (chosen) lotterySelect.value = chosen;
  };
  const { keep, refresh } = hostList<LotteryView>({
    url: `${base}/host/lotteries`,
    field: 'lotteries',
    problem,
    render,
  });
  const element = h(
    'section',
    { class: 'lottery-section', 'aria-labelledby': 'lotteries-title' },
    h('h2', { id: 'lotteries-title' }, '抽奖'),
    list,
    problem,
    lotteryForm(campaign, base, keep),
  );
  return { element, refresh };
}
