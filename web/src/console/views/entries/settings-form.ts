import type { CampaignView, EntrySettingsView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { field, h, input, select, toast } from '../../dom.js';
import { fromLocalInput, toLocalInput } from '../../format.js';

/** What an entry window's time field says when it holds no whole date and time. */
const NOT_A_TIME = '请填写完整的日期和时间';

/**
 * 开始报名 and 截止报名, as the campaign's clock reads them (its schedule's timezone), and `read`:
 * the instants they name, or undefined with the field that holds no whole date and time flagged.
 */
function windowFields(tz: string, settings: EntrySettingsView['settings']) {
  const now = Date.now();
  const opens = field('开始报名', input({ type: 'datetime-local', required: true }), `活动时区 ${tz}`);
  opens.control.value = toLocalInput(settings?.opensAt ?? new Date(now).toISOString(), tz);
  const closes = field('截止报名', input({ type: 'datetime-local', required: true }), `活动时区 ${tz}`);
  closes.control.value = toLocalInput(settings?.closesAt ?? new Date(now + 7 * 86_400_000).toISOString(), tz);
  const read = (): { opensAt: string; closesAt: string } | undefined => {
    const opensAt = fromLocalInput(opens.control.value, tz);
    const closesAt = fromLocalInput(closes.control.value, tz);
    if (!opensAt) opens.setError(NOT_A_TIME);
    if (!closesAt) closes.setError(NOT_A_TIME);
    return opensAt && closesAt ? { opensAt, closesAt } : undefined;
  };
  return { opens, closes, read };
}

/**
 * The campaign's entry settings: when entries are taken (in the campaign's timezone, as its
 * schedule is), how many one participant may hold, the form (text, images) and whether entries
 * that pass the content checks need a host. Saved with PUT …/entry-settings; an empty or
 * half-typed time, and the API's field errors, show next to their fields.
 */
export function entrySettingsForm(
  campaign: Pick<CampaignView, 'id' | 'schedule'>,
  view: EntrySettingsView,
): HTMLElement {
  const campaignId = campaign.id;
  const s = view.settings;
  const { opens, closes, read } = windowFields(campaign.schedule.timezone, s);
  const limit = field(
    '每人最多报名',
    input({ type: 'number', min: 1, max: 20, value: s?.perParticipant ?? 1 }),
  );
  const text = field(
    '作品说明',
    select(
      [
        ['optional', '选填'],
        ['required', '必填'],
        ['off', '不需要'],
      ],
      s?.text ?? 'optional',
    ),
  );
  const minImages = field('最少图片', input({ type: 'number', min: 0, max: 9, value: s?.minImages ?? 0 }));
  const maxImages = field('最多图片', input({ type: 'number', min: 0, max: 9, value: s?.maxImages ?? 3 }));
  const approval = field(
    '通过内容安全检测后',
    select(
      [
        ['host', '由主办方审核'],
        ['auto', '自动成为候选'],
      ],
      s?.approval ?? 'host',
    ),
    '内容安全检测需要人工复核的作品，始终由主办方审核',
  );
  const purpose = field(
    '报名内容',
    select(
      [
        ['contest', '作品或候选人（投票）'],
        ['suggestions', '建议（点赞，并公开办理进度）'],
      ],
      s?.purpose ?? 'contest',
    ),
    '建议征集需要点赞类活动',
  );
  const fields = {
    purpose,
    opensAt: opens,
    closesAt: closes,
    perParticipant: limit,
    text,
    minImages,
    maxImages,
    approval,
  };
  const state = h(
    'p',
    { class: 'muted', id: 'entry-settings-state' },
    view.open ? '报名进行中' : '当前不接受报名',
  );
  const save = h('button', { type: 'submit', class: 'primary' }, '保存报名设置');
  const form = h(
    'form',
    { id: 'entry-settings', class: 'card', novalidate: true },
    h('h2', {}, '报名设置'),
    state,
    h('div', { class: 'field-row' }, opens.wrap, closes.wrap, limit.wrap, purpose.wrap),
    h('div', { class: 'field-row' }, text.wrap, minImages.wrap, maxImages.wrap, approval.wrap),
    save,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const f of Object.values(fields)) f.setError(undefined);
    const times = read();
    if (!times) return;
    save.disabled = true;
    const body = {
      ...times,
      perParticipant: Number(limit.control.value),
      text: text.control.value,
      minImages: Number(minImages.control.value),
      maxImages: Number(maxImages.control.value),
      approval: approval.control.value,
      purpose: purpose.control.value,
    };
    api<EntrySettingsView>('PUT', `/api/campaigns/${campaignId}/entry-settings`, body)
      .then((saved) => {
        state.textContent = saved.open ? '报名进行中' : '当前不接受报名';
        toast('报名设置已保存');
      })
      .catch((error: unknown) => {
        if (!(error instanceof ApiError)) {
          toast('保存失败', 'error');
          return;
        }
        for (const issue of error.issues) {
          const name = issue.path.replace(/^body\./, '') as keyof typeof fields;
          fields[name]?.setError(issue.message);
        }
        toast(error.message, 'error');
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  return form;
}
