import {
  type CampaignMember,
  type CampaignView,
  createCampaignBodySchema,
  DEFAULT_TIMEZONE,
  toFieldIssues,
  updateCampaignBodySchema,
} from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import { type Field, field, h, input, select, toast } from '../dom.js';
import { issuesByField, showIssues } from '../form-errors.js';
import { fromLocalInput, toLocalInput } from '../format.js';
import { campaignHref } from '../routes.js';

const QUOTAS = [
  ['votesPerUserPerDay', '每人每天可投票数'],
  ['votesPerUserPerCandidatePerDay', '每人每天对同一候选可投票数'],
  ['votesPerUserTotal', '每人活动期间总票数'],
] as const;

interface MemberRow {
  row: HTMLElement;
  fields: { candidateId: Field; name: Field; imageUrl: Field; group: Field };
}

/** The campaign's members as rows of inputs: id, name, image URL and group; add and remove rows. */
function memberEditor(members: readonly CampaignMember[], locked: boolean) {
  const rows: MemberRow[] = [];
  const list = h('div', { class: 'members', id: 'members' });
  const add = (m: Partial<CampaignMember> = {}) => {
    const n = rows.length + 1;
    const fields = {
      candidateId: field(
        `候选 ${n} 编号`,
        input({ value: m.candidateId ?? '', name: 'candidateId', placeholder: 'c01' }),
      ),
      name: field(`候选 ${n} 名称`, input({ value: m.name ?? '', name: 'name', placeholder: '名称' })),
      imageUrl: field(
        `候选 ${n} 图片地址`,
        input({ value: m.imageUrl ?? '', name: 'imageUrl', type: 'url', placeholder: 'https://…' }),
      ),
      group: field(`候选 ${n} 分组`, input({ value: m.group ?? '', name: 'group', placeholder: '可选' })),
    };
    // Candidates that may have votes keep their ids (and cannot be removed once the campaign ran).
    if (locked && m.candidateId) fields.candidateId.control.readOnly = true;
    const entry: MemberRow = { row: h('div', { class: 'member-row' }), fields };
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'icon',
        'aria-label': `删除候选 ${n}`,
        disabled: locked && Boolean(m.candidateId),
        onclick: () => {
          rows.splice(rows.indexOf(entry), 1);
          entry.row.remove();
        },
      },
      '✕',
    );
    entry.row.append(...Object.values(fields).map((f) => f.wrap), remove);
    rows.push(entry);
    list.append(entry.row);
  };
  for (const m of members) add(m);
  if (members.length === 0) add();
  const read = (): CampaignMember[] =>
    rows.map(({ fields: f }) => ({
      candidateId: f.candidateId.control.value.trim(),
      name: f.name.control.value.trim(),
      ...(f.imageUrl.control.value.trim() ? { imageUrl: f.imageUrl.control.value.trim() } : {}),
      ...(f.group.control.value.trim() ? { group: f.group.control.value.trim() } : {}),
    }));
  const fieldAt = (path: string): Field | undefined => {
    const match = /^members\.(\d+)\.(candidateId|name|imageUrl|group)$/.exec(path);
    if (!match) return undefined;
    return rows[Number(match[1])]?.fields[match[2] as keyof MemberRow['fields']];
  };
  const clear = () => {
    for (const r of rows) for (const f of Object.values(r.fields)) f.setError(undefined);
  };
  const addButton = h('button', { type: 'button', onclick: () => add() }, '＋ 添加候选');
  return { el: h('div', {}, list, addButton), read, fieldAt, clear };
}

/**
 * Creating a campaign (a draft) and editing one: title, description, kind, visibility, schedule,
 * quotas and candidates. The same zod schemas the server validates with check the form first, and
 * any problem, the server's too, is shown next to its field. An edit sends only what changed,
 * since what may change depends on the status.
 */
export function renderCampaignForm(app: HTMLElement, campaign: CampaignView | undefined): undefined {
  const editing = campaign !== undefined;
  const tz = campaign?.schedule.timezone ?? DEFAULT_TIMEZONE;
  const started = campaign !== undefined && !['draft', 'scheduled'].includes(campaign.status);
  const startDefault = new Date(Date.now() + 3_600_000).toISOString();
  const endDefault = new Date(Date.now() + 8 * 86_400_000).toISOString();
  const f = {
    title: field(
      '活动名称',
      input({ name: 'title', value: campaign?.title ?? '', required: true, maxlength: 200 }),
    ),
    description: field('活动说明', h('textarea', { name: 'description', rows: 3, maxlength: 10_000 })),
    kind: field(
      '活动类型',
      select(
        [
          ['vote', '投票'],
          ['like', '点赞'],
        ],
        campaign?.kind ?? 'vote',
        { name: 'kind', disabled: editing },
      ),
    ),
    visibility: field(
      '可见性',
      select(
        [
          ['public', '公开（小程序可见）'],
          ['unlisted', '不公开（仅凭链接）'],
        ],
        campaign?.visibility ?? 'public',
        {
          name: 'visibility',
        },
      ),
    ),
    startAt: field(
      '开始时间',
      input({
        name: 'startAt',
        type: 'datetime-local',
        value: toLocalInput(campaign?.schedule.startAt ?? startDefault, tz),
      }),
    ),
    endAt: field(
      '结束时间',
      input({
        name: 'endAt',
        type: 'datetime-local',
        value: toLocalInput(campaign?.schedule.endAt ?? endDefault, tz),
      }),
    ),
    timezone: field('时区', input({ name: 'timezone', value: tz }), '如 Asia/Shanghai'),
  };
  f.description.control.value = campaign?.description ?? '';
  const quota = Object.fromEntries(
    QUOTAS.map(([key, label]) => [
      key,
      field(
        label,
        input({ name: key, type: 'number', min: 1, max: 100_000, value: campaign?.rules[key] ?? '' }),
        '留空表示不限',
      ),
    ]),
  ) as Record<(typeof QUOTAS)[number][0], Field>;
  const members = memberEditor(campaign?.members ?? [], started);
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, editing ? '保存修改' : '创建活动');

  const read = () => {
    const rules = Object.fromEntries(
      QUOTAS.flatMap(([key]) => (quota[key].control.value ? [[key, Number(quota[key].control.value)]] : [])),
    );
    return {
      title: f.title.control.value.trim(),
      description: f.description.control.value.trim(),
      kind: f.kind.control.value as 'vote' | 'like',
      visibility: f.visibility.control.value as 'public' | 'unlisted',
      schedule: {
        startAt: fromLocalInput(f.startAt.control.value, f.timezone.control.value.trim()),
        endAt: fromLocalInput(f.endAt.control.value, f.timezone.control.value.trim()),
        timezone: f.timezone.control.value.trim(),
      },
      rules,
      members: members.read(),
    };
  };

  const fieldOf = (path: string): Field | undefined => {
    const simple: Record<string, Field> = {
      title: f.title,
      description: f.description as unknown as Field,
      kind: f.kind as unknown as Field,
      visibility: f.visibility as unknown as Field,
      'schedule.startAt': f.startAt,
      'schedule.endAt': f.endAt,
      'schedule.timezone': f.timezone,
      schedule: f.endAt,
      rules: quota.votesPerUserPerDay,
      ...Object.fromEntries(QUOTAS.map(([key]) => [`rules.${key}`, quota[key]])),
    };
    return simple[path] ?? members.fieldAt(path);
  };
  const show = (issues: Map<string, string>) => {
    members.clear();
    showIssues(issues, {
      fields: [...Object.values(f), ...Object.values(quota)] as Field[],
      fieldOf,
      problem,
      loose: (path, message) => (path ? `${path}: ${message}` : message),
    });
  };

  const form = h(
    'form',
    {
      class: 'card form',
      id: 'campaign-form',
      'aria-label': editing ? '编辑活动' : '新建活动',
      novalidate: true,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const body = read();
        let payload: Record<string, unknown> = body;
        if (editing && campaign) {
          // Only what changed: a live campaign refuses even an unchanged schedule start or rules.
          const before: Record<string, unknown> = {
            title: campaign.title,
            description: campaign.description,
            visibility: campaign.visibility,
            schedule: campaign.schedule,
            rules: campaign.rules,
            members: campaign.members,
          };
          payload = Object.fromEntries(
            Object.entries(body).filter(
              ([k, v]) => k !== 'kind' && JSON.stringify(v) !== JSON.stringify(before[k]),
            ),
          );
          // The inputs hold minutes: a time unchanged to the minute is the stored one, seconds and all.
          const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
          const schedule = {
            startAt:
              minute(body.schedule.startAt) === minute(campaign.schedule.startAt)
                ? campaign.schedule.startAt
                : body.schedule.startAt,
            endAt:
              minute(body.schedule.endAt) === minute(campaign.schedule.endAt)
                ? campaign.schedule.endAt
                : body.schedule.endAt,
            timezone: body.schedule.timezone,
          };
          if (JSON.stringify(schedule) === JSON.stringify(campaign.schedule)) delete payload.schedule;
          else payload.schedule = schedule;
          if (Object.keys(payload).length === 0) {
            toast('没有需要保存的修改');
            return;
          }
        }
        const schema = editing ? updateCampaignBodySchema : createCampaignBodySchema;
        const checked = schema.safeParse(payload);
        if (!checked.success) {
          show(issuesByField(toFieldIssues(checked.error)));
          return;
        }
        show(new Map());
        submit.disabled = true;
        try {
          const saved = editing
            ? await api<CampaignView>('PATCH', `/api/campaigns/${campaign.id}`, payload)
            : await api<CampaignView>('POST', '/api/campaigns', payload);
          toast(editing ? '已保存' : '活动已创建');
          if (editing) location.hash = campaignHref(saved.id, 'overview');
          else location.hash = campaignHref(saved.id);
        } catch (error) {
          if (error instanceof ApiError && error.issues.length > 0) show(issuesByField(error.issues));
          else problem.textContent = error instanceof ApiError ? error.message : '保存失败';
        } finally {
          submit.disabled = false;
        }
      },
    },
    editing ? null : h('h1', {}, '新建活动'),
    h(
      'fieldset',
      {},
      h('legend', {}, '基本信息'),
      f.title.wrap,
      f.description.wrap,
      h('div', { class: 'row' }, f.kind.wrap, f.visibility.wrap),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '时间'),
      h('div', { class: 'row' }, f.startAt.wrap, f.endAt.wrap, f.timezone.wrap),
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
  );
  app.append(form);
  return undefined;
}
