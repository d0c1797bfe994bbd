import {
  type CampaignView,
  createCampaignBodySchema,
  DEFAULT_TIMEZONE,
  toFieldIssues,
  updateCampaignBodySchema,
} from '@rallyboard/core/protocol';
import { ApiError, api, createOnce } from '../../api.js';
import { h, toast } from '../../dom.js';
import { issuesByField, showIssues } from '../../form-errors.js';
import { campaignHref } from '../../routes.js';
import { editPayload } from './changes.js';
import { allFields, type CampaignFields, campaignFields, fieldOf, QUOTAS, readCampaign } from './fields.js';
import { withTagMessages } from './tags.js';

/** The form laid out: basic information, time, vote rules and candidates, then its problem and button. */
function layout(
  { f, quota, members }: CampaignFields,
  editing: boolean,
  problem: HTMLElement,
  submit: HTMLButtonElement,
): (HTMLElement | null)[] {
  return [
    editing ? null : h('h1', {}, '新建活动'),
    h(
      'fieldset',
      {},
      h('legend', {}, '基本信息'),
      f.title.wrap,
      f.description.wrap,
      f.tags.wrap,
      h('div', { class: 'row' }, f.kind.wrap, f.visibility.wrap),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '时间'),
      h('div', { class: 'row' }, f.startAt.wrap, f.endAt.wrap, f.timezone.wrap, f.weekStartsOn.wrap),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '投票规则'),
      h('div', { class: 'row' }, ...QUOTAS.map(([key]) => quota[key].wrap)),
    ),
    h('fieldset', {}, h('legend', {}, '候选'), members.el),
    problem,
    h('div', { class: 'form-actions' }, submit),
  ];
}

/**
 * Creating a campaign (a draft) and editing one: title, description, tags, kind, visibility,
 * schedule, quotas and candidates (each with its tags). The same zod schemas the server validates
 * with check the form first, and any problem, the server's too, is shown next to its field. An
 * edit sends only what changed, since what may change depends on the status.
 */
export function renderCampaignForm(app: HTMLElement, campaign: CampaignView | undefined): undefined {
  const editing = campaign !== undefined;
  const create = createOnce();
  const tz = campaign?.schedule.timezone ?? DEFAULT_TIMEZONE;
  const fields = campaignFields(campaign, tz);
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, editing ? '保存修改' : '创建活动');
  const show = (issues: Map<string, string>) => {
    fields.members.clear();
    showIssues(issues, {
      fields: allFields(fields),
      fieldOf: (path) => fieldOf(fields, path),
      problem,
      loose: (path, message) => (path ? `${path}: ${message}` : message),
    });
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const body = readCampaign(fields);
    let payload: Record<string, unknown> = body;
    if (editing && campaign) {
      payload = editPayload(campaign, body);
      if (Object.keys(payload).length === 0) {
        toast('没有需要保存的修改');
        return;
      }
    }
    const schema = editing ? updateCampaignBodySchema : createCampaignBodySchema;
    const checked = schema.safeParse(payload);
    if (!checked.success) {
      show(issuesByField(withTagMessages(toFieldIssues(checked.error))));
      return;
    }
    show(new Map());
    submit.disabled = true;
    try {
      const saved = editing
        ? await api<CampaignView>('PATCH', `/api/campaigns/${campaign.id}`, payload)
        : await create<CampaignView>('/api/campaigns', payload);
      toast(editing ? '已保存' : '活动已创建');
      if (editing) location.hash = campaignHref(saved.id, 'overview');
      else location.hash = campaignHref(saved.id);
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0)
        show(issuesByField(withTagMessages(error.issues)));
      else problem.textContent = error instanceof ApiError ? error.message : '保存失败';
    } finally {
      submit.disabled = false;
    }
  };

  app.append(
    h(
      'form',
      {
        class: 'card form',
        id: 'campaign-form',
        'aria-label': editing ? '编辑活动' : '新建活动',
        novalidate: true,
        onsubmit: save,
      },
      ...layout(fields, editing, problem, submit),
    ),
  );
  return undefined;
}
