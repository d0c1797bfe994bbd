import { BOARD_KINDS, type BoardKind, type CampaignView } from '@rallyboard/core/protocol';
import { type Field, field, h, input, select } from '../../dom.js';
import { fromLocalInput, toLocalInput } from '../../format.js';
import { memberEditor } from './member-editor.js';
import { parseTags, tagsField } from './tags.js';

export const QUOTAS = [
  ['votesPerUserPerDay', '每人每天可投票数'],
  ['votesPerUserPerCandidatePerDay', '每人每天对同一候选可投票数'],
  ['votesPerUserTotal', '每人活动期间总票数'],
] as const;

type QuotaKey = (typeof QUOTAS)[number][0];

const KIND_LABELS: Record<BoardKind, string> = { vote: '投票', like: '点赞' };

/** The week's first day for the weekly ranking, ISO numbering as the schedule takes it. */
const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'].map(
  (label, i) => [String(i + 1), label] as const,
);

/** The kind a select's value names, or none when it names none (the schema then says so on the field). */
const boardKind = (value: string): BoardKind | undefined => BOARD_KINDS.find((kind) => kind === value);

/** Title, description, tags, kind, visibility and schedule, filled from the campaign when editing. */
function basicFields(campaign: CampaignView | undefined, tz: string) {
  const startDefault = new Date(Date.now() + 3_600_000).toISOString();
  const endDefault = new Date(Date.now() + 8 * 86_400_000).toISOString();
  const f = {
    title: field(
      '活动名称',
      input({ name: 'title', value: campaign?.title ?? '', required: true, maxlength: 200 }),
    ),
    description: field('活动说明', h('textarea', { name: 'description', rows: 3, maxlength: 10_000 })),
    tags: tagsField('活动标签', campaign?.tags),
    kind: field(
      '活动类型',
      select(
        BOARD_KINDS.map((kind) => [kind, KIND_LABELS[kind]] as const),
        campaign?.kind ?? 'vote',
        { name: 'kind', disabled: campaign !== undefined },
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
    weekStartsOn: field(
      '周榜起始日',
      select(WEEKDAYS, String(campaign?.schedule.weekStartsOn ?? 1), { name: 'weekStartsOn' }),
    ),
  };
  f.description.control.value = campaign?.description ?? '';
  return f;
}

/** The vote quotas, one number each; an empty one is no limit. */
function quotaFields(campaign: CampaignView | undefined): Record<QuotaKey, Field> {
  return Object.fromEntries(
    QUOTAS.map(([key, label]) => [
      key,
      field(
        label,
        input({ name: key, type: 'number', min: 1, max: 100_000, value: campaign?.rules[key] ?? '' }),
        '留空表示不限',
      ),
    ]),
  ) as Record<QuotaKey, Field>;
}

/**
 * Every input of the campaign form, built in the order the page shows them: the basic fields,
 * the quotas, then the candidates (whose ids are locked once the campaign has started).
 */
export function campaignFields(campaign: CampaignView | undefined, tz: string) {
  const started = campaign !== undefined && !['draft', 'scheduled'].includes(campaign.status);
  const f = basicFields(campaign, tz);
  const quota = quotaFields(campaign);
  const members = memberEditor(campaign?.members ?? [], started);
  return { f, quota, members };
}

export type CampaignFields = ReturnType<typeof campaignFields>;

/**
 * The campaign as the form reads: trimmed text, times in the form's zone, filled quotas only, and
 * tags only when there are some (as the view leaves them out).
 */
export function readCampaign({ f, quota, members }: CampaignFields) {
  const tags = parseTags(f.tags.control.value);
  const rules = Object.fromEntries(
    QUOTAS.flatMap(([key]) => (quota[key].control.value ? [[key, Number(quota[key].control.value)]] : [])),
  );
  return {
    title: f.title.control.value.trim(),
    description: f.description.control.value.trim(),
    ...(tags.length > 0 ? { tags } : {}),
    kind: boardKind(f.kind.control.value),
    visibility: f.visibility.control.value as 'public' | 'unlisted',
    schedule: {
      startAt: fromLocalInput(f.startAt.control.value, f.timezone.control.value.trim()),
      endAt: fromLocalInput(f.endAt.control.value, f.timezone.control.value.trim()),
      timezone: f.timezone.control.value.trim(),
      weekStartsOn: Number(f.weekStartsOn.control.value),
    },
    rules,
    members: members.read(),
  };
}

export type CampaignInput = ReturnType<typeof readCampaign>;

/** The form's own fields, to clear before showing issues (the member editor clears its own). */
export function allFields({ f, quota }: CampaignFields): Field<HTMLElement>[] {
  return [...Object.values(f), ...Object.values(quota)];
}

/**
 * The field an issue's path names (`schedule.startAt`, `rules.votesPerUserTotal`, `tags.0`,
 * `members.2.name`…); a problem with the schedule or the rules as a whole goes on the end time
 * and the first quota, one with any of the campaign's tags on its tags.
 */
export function fieldOf({ f, quota, members }: CampaignFields, path: string): Field<HTMLElement> | undefined {
  const simple: Record<string, Field<HTMLElement>> = {
    title: f.title,
    description: f.description,
    tags: f.tags,
    kind: f.kind,
    visibility: f.visibility,
    'schedule.startAt': f.startAt,
    'schedule.endAt': f.endAt,
    'schedule.timezone': f.timezone,
    'schedule.weekStartsOn': f.weekStartsOn,
    schedule: f.endAt,
    rules: quota.votesPerUserPerDay,
    ...Object.fromEntries(QUOTAS.map(([key]) => [`rules.${key}`, quota[key]])),
  };
  return simple[path.replace(/^tags\.\d+$/, 'tags')] ?? members.fieldAt(path);
}
