import {
  type CampaignView,
  type FieldIssue,
  toFieldIssues,
  type UnlockableInput,
  type UnlockableView,
  unlockableInputSchema,
} from '@rallyboard/core/protocol';
import { ApiError, api, createOnce } from '../../api.js';
import { whileBusy } from '../../busy.js';
import { type Field, field, h, input, select, toast } from '../../dom.js';
import { issuesByField, showIssues } from '../../form-errors.js';
import { formatCount } from '../../format.js';
import { STATUS_LABELS } from '../../lifecycle.js';
import { ownWords } from './rule-trigger.js';

/** What a vote campaign's tab says above the form: likes open nothing here, a reward rule can. */
const LIKES_ONLY =
  '本活动是投票活动：内容不能随点赞解锁，只能「按奖励规则解锁」：添加后，在上方奖励规则中选「解锁内容」，参与者以计入排名的投票获得后打开。';

const HOW_IT_WORKS =
  '为候选添加只在解锁后才能看到的内容（文字、图片或两者）：可以在参与者本人的点赞计入排名后为他解锁，' +
  '也可以在候选的有效点赞达到 N 个后为所有人解锁，或按奖励规则（以计入排名的投票获得）为获得者解锁。' +
  '未解锁的内容不会发给参与者；标题和文字须通过微信内容安全检测。';

/** Statuses content may no longer be added in (the server's CAMPAIGN_NOT_EDITABLE). */
const OVER: ReadonlySet<CampaignView['status']> = new Set(['ended', 'archived']);

type UnlockKind = UnlockableInput['unlock']['kind'];

/** The schema's and the server's words for this form that form-errors.ts does not know. */
const WORDS: [RegExp, string][] = [
  [/give the content/, '请填写内容文字或图片地址，至少一项'],
  [/Invalid URL/, '请填写 https 开头的图片地址'],
];
const inOwnWords = (issues: readonly FieldIssue[]) =>
  issuesByField(
    issues.map((i) => ({
      ...i,
      message: WORDS.find(([pattern]) => pattern.test(i.message))?.[1] ?? ownWords(i.message),
    })),
  );

/** A shared goal's likes against its goal (the ranking's counted likes), and whether it opened. */
function goalProgress(item: UnlockableView): HTMLElement | null {
  const { progress } = item;
  if (!progress) return null;
  return h(
    'div',
    { class: 'unlock-progress' },
    h('progress', {
      max: progress.goal,
      value: Math.min(progress.likes, progress.goal),
      'aria-label': `「${item.title}」点赞进度`,
    }),
    h(
      'span',
      { class: 'unlock-likes' },
      `${formatCount(progress.likes)} / ${formatCount(progress.goal)} 个点赞${item.locked ? '' : ' · 已解锁'}`,
    ),
  );
}

/** The content as the host reads it, whole: the text, and the picture's address as a link. */
function contentOf(item: UnlockableView): HTMLElement | null {
  const { text, imageUrl } = item.content ?? {};
  if (text === undefined && imageUrl === undefined) return null;
  return h(
    'div',
    { class: 'unlock-content' },
    text === undefined ? null : h('p', { class: 'unlock-text' }, text),
    imageUrl?.startsWith('https://')
      ? h(
          'p',
          { class: 'unlock-image' },
          '图片：',
          h('a', { href: imageUrl, target: '_blank', rel: 'noopener noreferrer' }, imageUrl),
        )
      : null,
  );
}

/** One item: its title and candidate, how it opens, a shared goal's progress, and the content. */
function unlockItem(item: UnlockableView, names: ReadonlyMap<string, string>): HTMLElement {
  return h(
    'li',
    { class: 'card unlockable', 'aria-label': `解锁内容「${item.title}」`, 'data-unlock': item.unlock.kind },
    h(
      'div',
      { class: 'unlock-head' },
      h('strong', {}, item.title),
      h('span', { class: 'badge' }, names.get(item.candidateId) ?? item.candidateId),
    ),
    h('p', { class: 'how' }, item.how),
    goalProgress(item),
    contentOf(item),
  );
}

/** 解锁方式 and its N, shown only for a shared goal; on a vote campaign, a reward only. */
function unlockFields(likes: boolean) {
  const kinds: [string, string][] = [
    ...(likes
      ? ([
          ['my-like', '点赞后本人解锁'],
          ['shared-goal', '候选达到 N 个点赞后全员解锁'],
        ] as [string, string][])
      : []),
    ['reward', '按奖励规则解锁（以计入排名的投票获得）'],
  ];
  const kind = field('解锁方式', select(kinds, likes ? 'my-like' : 'reward', { name: 'unlockKind' }));
  const goal = field(
    '点赞数 N',
    input({ name: 'unlockLikes', type: 'number', min: 1, max: 100_000_000, value: '100' }),
    '候选的有效点赞（计入排名的）达到 N 个时，所有人解锁',
  );
  const chosen = () => kind.control.value as UnlockKind;
  const sync = () => {
    goal.wrap.hidden = chosen() !== 'shared-goal';
  };
  kind.control.addEventListener('change', sync);
  sync();
  const value = (): UnlockableInput['unlock'] =>
    chosen() === 'shared-goal'
      ? { kind: 'shared-goal', likes: Number(goal.control.value) }
      : { kind: chosen() === 'reward' ? 'reward' : 'my-like' };
  return { kind, likes: goal, value };
}

/**
 * 添加解锁内容: a candidate, a title, the text and an https picture (at least one of them), and
 * how it opens. Open until the campaign ends; after, the form stays in view, disabled, saying why.
 * The schema is checked here first, and the server's field issues land on the same fields;
 * WeChat's refusals of the text (checked as the host's) are said above the button.
 */
function unlockForm(campaign: CampaignView, base: string, added: () => Promise<void>) {
  const open = !OVER.has(campaign.status);
  const create = createOnce();
  const candidate = field(
    '候选',
    select(
      campaign.members.map((m) => [m.candidateId, m.name] as const),
      campaign.members[0]?.candidateId ?? '',
      { name: 'unlockCandidate' },
    ),
  );
  const title = field('标题', input({ name: 'unlockTitle', maxlength: 60 }));
  const text = field(
    '内容文字',
    h('textarea', { name: 'unlockText', rows: 3, maxlength: 2_000 }),
    '解锁后参与者看到的文字；与图片至少填一项',
  );
  const image = field(
    '图片地址（可选）',
    input({ name: 'unlockImage', type: 'url', placeholder: 'https://' }),
    '只支持 https 开头的地址',
  );
  const unlock = unlockFields(campaign.kind === 'like');
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, '添加解锁内容');
  const byPath: Record<string, Field<HTMLElement>> = {
    candidateId: candidate,
    title,
    text,
    imageUrl: image,
    unlock: unlock.kind,
    'unlock.likes': unlock.likes,
  };
  const show = (issues: Map<string, string>) =>
    showIssues(issues, { fields: Object.values(byPath), fieldOf: (path) => byPath[path], problem });
  const submit = async (event: Event) => {
    event.preventDefault();
    const words = text.control.value.trim();
    const picture = image.control.value.trim();
    const checked = unlockableInputSchema.safeParse({
      candidateId: candidate.control.value,
      title: title.control.value,
      ...(words ? { text: words } : {}),
      ...(picture ? { imageUrl: picture } : {}),
      unlock: unlock.value(),
    });
    show(checked.success ? new Map() : inOwnWords(toFieldIssues(checked.error)));
    if (!checked.success) return;
    // WeChat checks the text first: the button waits, so one click adds one item.
    await whileBusy(button, async () => {
      try {
        const view = await create<UnlockableView>(`${base}/unlockables`, checked.data);
        toast(`已添加解锁内容「${view.title}」`);
        for (const f of [title, text, image]) f.control.value = '';
        await added();
      } catch (error) {
        if (error instanceof ApiError && error.issues.length > 0) show(inOwnWords(error.issues));
        else problem.textContent = error instanceof ApiError ? error.message : '添加失败';
      }
    });
  };
  return h(
    'form',
    { class: 'card unlock-form', 'aria-label': '添加解锁内容', novalidate: true, onsubmit: submit },
    h('p', { class: 'muted' }, HOW_IT_WORKS),
    open
      ? null
      : h(
          'p',
          { class: 'form-note', role: 'note' },
          `活动${STATUS_LABELS[campaign.status]}，不能再添加解锁内容。`,
        ),
    h(
      'fieldset',
      { disabled: !open },
      candidate.wrap,
      title.wrap,
      text.wrap,
      image.wrap,
      h('div', { class: 'row' }, unlock.kind.wrap, unlock.likes.wrap),
      problem,
      button,
    ),
  );
}

/**
 * 点赞解锁: on a like campaign, its items as the host reads them (whole, drafts' too: the list is
 * the host's, not the public one) and a form for a new one; on a vote campaign, a note that
 * content opens with likes. `refresh` reads the list again (a shared goal's progress moves as
 * likes count); the tab calls it with its own.
 */
export function unlockSection(
  campaign: CampaignView,
  base: string,
  unlockSelect: HTMLSelectElement,
): { element: HTMLElement; refresh: () => Promise<void> } {
  const heading = h('h2', { id: 'unlocks-title' }, '点赞解锁');
  const attrs = { class: 'unlock-section', 'aria-labelledby': 'unlocks-title' };
  const note =
    campaign.kind === 'like' ? null : h('p', { class: 'muted likes-only', role: 'note' }, LIKES_ONLY);
  const names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
  const list = h('ul', { class: 'unlockables', 'aria-label': '解锁内容列表' });
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const refresh = async () => {
    try {
      const answer = await api<{ items: UnlockableView[] }>('GET', `${base}/unlockables`);
      list.replaceChildren(...answer.items.map((item) => unlockItem(item, names)));
      // What a reward rule may open: the items whose unlock is a reward.
      const chosen = unlockSelect.value;
      unlockSelect.replaceChildren(
        ...answer.items
          .filter((item) => item.unlock.kind === 'reward')
          .map((item) => h('option', { value: item.id }, item.title)),
      );
      if (chosen) unlockSelect.value = chosen;
      problem.textContent = '';
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  };
  const element = h('section', attrs, heading, note, list, problem, unlockForm(campaign, base, refresh));
  return { element, refresh };
}
