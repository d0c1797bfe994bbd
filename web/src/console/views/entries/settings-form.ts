import type { EntrySettingsView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';
import { field, h, input, select, toast } from '../../dom.js';

/** A datetime-local value (the host's clock) of an ISO time, and back. */
const toLocal = (iso: string) => {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (value: string) => new Date(value).toISOString();

/**
 * The campaign's entry settings: when entries are taken, how many one participant may hold, the
 * form (text, images) and whether entries that pass the content checks need a host. Saved with
 * PUT …/entry-settings; the API's field errors show next to their fields.
 */
export function entrySettingsForm(campaignId: string, view: EntrySettingsView): HTMLElement {
  const now = Date.now();
  const s = view.settings;
  const opens = field('开始报名', input({ type: 'datetime-local', required: true }));
  opens.control.value = toLocal(s?.opensAt ?? new Date(now).toISOString());
  const closes = field('截止报名', input({ type: 'datetime-local', required: true }));
  closes.control.value = toLocal(s?.closesAt ?? new Date(now + 7 * 86_400_000).toISOString());
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
    save.disabled = true;
    const body = {
      opensAt: fromLocal(opens.control.value),
      closesAt: fromLocal(closes.control.value),
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
        if (!(error instanceof ApiError)) throw error;
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
