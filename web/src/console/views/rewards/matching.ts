import {
  type CampaignView,
  type MatchView,
  matchInputSchema,
  toFieldIssues,
  yuan,
} from '@rallyboard/core/protocol';
import { ApiError, createOnce } from '../../api.js';
import { whileBusy } from '../../busy.js';
import { type Field, field, h, input, select, toast } from '../../dom.js';
import { issuesByField, showIssues } from '../../form-errors.js';
import { formatCount, formatShare } from '../../format.js';
import { STATUS_LABELS } from '../../lifecycle.js';
import { hostList } from './host-list.js';
import { ownWords } from './rule-trigger.js';

/** Statuses a pledge may no longer be added in (the server's CAMPAIGN_NOT_EDITABLE). */
const OVER: ReadonlySet<CampaignView['status']> = new Set(['ended', 'archived']);

const HOW_IT_WORKS =
  '赞助方为每一票计入排名的有效投票（点赞活动为有效点赞）配捐一笔钱，可只配捐某个候选，累计到上限为止。' +
  '配捐金额按计入排名的票数计算，被判无效的票不计；条款对所有人公开，配捐明细按天导出供赞助方核对。';

/** The amounts as the host enters them: yuan, at most two decimals (¥ and thousands commas allowed). */
const AMOUNT = /^(\d{1,12})(?:\.(\d{1,2}))?$/;
const NOT_AN_AMOUNT = '请填写金额（元），最多两位小数，如 0.5 或 1000';

/**
 * Yuan as typed (`12`, `0.5`, `¥1,000.25`) to integer fen, counted in whole digits so that no
 * binary fraction rounds it (0.29 × 100 is 28.999…); undefined when it is not such an amount.
 */
function fenOf(text: string): number | undefined {
  const [, whole, cents = ''] =
    AMOUNT.exec(
      text
        .trim()
        .replace(/^[¥￥]\s*/, '')
        .replaceAll(',', ''),
    ) ?? [];
  return whole === undefined ? undefined : Number(whole) * 100 + Number(cents.padEnd(2, '0'));
}

/** An amount out of the schema's bounds, said in yuan rather than in the fen it checks. */
function boundsText(path: 'perVoteFen' | 'capFen'): string {
  const { minValue, maxValue } = matchInputSchema.shape[path];
  return `金额须在 ${yuan(minValue ?? 0)} 至 ${yuan(maxValue ?? 0)} 之间`;
}

/** What the progress line says: matched of the cap, its share, and the counted votes behind it. */
const progressText = (m: MatchView) =>
  `已配捐 ${yuan(m.matchedFen)} / ${yuan(m.capFen)}（${formatShare(m.matchedFen, m.capFen)}）· 计入 ${formatCount(m.counted)} 票`;

/** One pledge: its sponsor and whose votes it matches, the public terms, and a bar to its cap. */
function matchItem(match: MatchView): HTMLElement {
  return h(
    'li',
    { class: 'card match', 'aria-label': `配捐「${match.sponsor}」`, 'data-cap-reached': match.capReached },
    h(
      'div',
      { class: 'match-head' },
      h('strong', {}, match.sponsor),
      h('span', { class: 'badge' }, match.candidateName ?? match.candidateId ?? '全部候选'),
      match.capReached ? h('span', { class: 'badge cap-reached' }, '已达上限') : null,
    ),
    h('p', { class: 'terms' }, match.terms),
    h('progress', {
      class: 'match-bar',
      max: match.capFen,
      value: match.matchedFen,
      'aria-label': `「${match.sponsor}」配捐进度`,
    }),
    h('p', { class: 'match-progress' }, progressText(match)),
  );
}

/**
 * 添加配捐: the sponsor, the cause, the amounts in yuan (sent as fen), and whose votes it matches.
 * Open until the campaign ends; after, the form stays in view, disabled, saying why. Amounts
 * that are not yuan, then the schema, are checked here first, and the server's field issues land
 * on the same fields.
 */
function matchForm(campaign: CampaignView, base: string, added: (view: MatchView) => void) {
  const open = !OVER.has(campaign.status);
  const create = createOnce();
  const sponsor = field('赞助方', input({ name: 'sponsor', maxlength: 60 }));
  const cause = field('用途', input({ name: 'cause', maxlength: 200 }), '配捐用于什么，对所有人公开');
  const perVote = field('每票配捐(元)', input({ name: 'perVoteYuan', inputmode: 'decimal' }));
  const cap = field('上限(元)', input({ name: 'capYuan', inputmode: 'decimal' }), '累计配捐到此为止');
  const candidate = field(
    '配捐候选',
    select([['', '全部候选'], ...campaign.members.map((m) => [m.candidateId, m.name] as const)], '', {
      name: 'matchCandidate',
    }),
  );
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, '添加配捐');
  const byPath: Record<string, Field<HTMLElement>> = {
    sponsor,
    cause,
    perVoteFen: perVote,
    capFen: cap,
    candidateId: candidate,
  };
  const show = (issues: Map<string, string>) =>
    showIssues(issues, { fields: Object.values(byPath), fieldOf: (path) => byPath[path], problem });
  const submit = async (event: Event) => {
    event.preventDefault();
    const perVoteFen = fenOf(perVote.control.value);
    const capFen = fenOf(cap.control.value);
    const checked = matchInputSchema.safeParse({
      sponsor: sponsor.control.value,
      cause: cause.control.value,
      perVoteFen: perVoteFen ?? Number.NaN,
      capFen: capFen ?? Number.NaN,
      ...(candidate.control.value ? { candidateId: candidate.control.value } : {}),
    });
    const issues = checked.success ? new Map<string, string>() : issuesByField(toFieldIssues(checked.error));
    for (const [path, fen] of [['perVoteFen', perVoteFen] as const, ['capFen', capFen] as const]) {
      if (fen === undefined) issues.set(path, NOT_AN_AMOUNT);
      else if (issues.has(path)) issues.set(path, boundsText(path));
    }
    show(issues);
    if (!checked.success || issues.size > 0) return;
    await whileBusy(button, async () => {
      try {
        const view = await create<MatchView>(`${base}/matches`, checked.data);
        toast(`已添加「${view.sponsor}」的配捐`);
        for (const f of [sponsor, cause, perVote, cap]) f.control.value = '';
        added(view);
      } catch (error) {
        if (error instanceof ApiError && error.issues.length > 0) {
          show(issuesByField(error.issues.map((i) => ({ ...i, message: ownWords(i.message) }))));
        } else problem.textContent = error instanceof ApiError ? error.message : '添加失败';
      }
    });
  };
  return h(
    'form',
    { class: 'card match-form', 'aria-label': '添加配捐', novalidate: true, onsubmit: submit },
    h('p', { class: 'muted' }, HOW_IT_WORKS),
    open
      ? null
      : h(
          'p',
          { class: 'form-note', role: 'note' },
          `活动${STATUS_LABELS[campaign.status]}，不能再添加配捐：配捐须在活动结束前认捐。`,
        ),
    h(
      'fieldset',
      { disabled: !open },
      sponsor.wrap,
      cause.wrap,
      h('div', { class: 'row' }, perVote.wrap, cap.wrap, candidate.wrap),
      problem,
      button,
    ),
  );
}

/**
 * 公益配捐: the campaign's pledges, each with its terms and how far counted votes have matched it,
 * a form for a new one, and the sponsor's audit by day (`exportControl`, matching.csv), as the
 * host's list has them at any status (a draft's too). `refresh` reads the list again: the tab
 * calls it with its own, since the amounts move as votes count.
 */
export function matchingSection(
  campaign: CampaignView,
  base: string,
  exportControl: HTMLElement,
): { element: HTMLElement; refresh: () => Promise<void> } {
  const list = h('ul', { class: 'matches', 'aria-label': '配捐列表' });
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const { keep, refresh } = hostList<MatchView>({
    url: `${base}/host/matches`,
    field: 'matches',
    problem,
    render: (matches) => list.replaceChildren(...matches.map(matchItem)),
  });
  const element = h(
    'section',
    { class: 'matching-section', 'aria-labelledby': 'matching-title' },
    h('h2', { id: 'matching-title' }, '公益配捐'),
    list,
    problem,
    exportControl,
    matchForm(campaign, base, keep),
  );
  return { element, refresh };
}
