import {
  type CampaignView,
  RISK_RULE_IDS,
  type RiskRuleId,
  type RiskSettings,
  type RiskSettingsPatch,
  riskSettingsSchema,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import { type Field, field, h, input, select, toast } from '../dom.js';
import { issuesByField, showIssues } from '../form-errors.js';

const RULE_LABELS: Record<RiskRuleId, string> = {
  deviceAccounts: '同一设备账号数（24 小时）',
  fingerprintAccounts: '同一设备指纹账号数',
  ipAccounts: '同一 IP 账号数',
  subnetAccounts: '同一 /24 网段账号数',
  ipCandidateAccounts: '同一 IP 投同一候选的可疑新账号数',
  subnetCandidateAccounts: '同一网段投同一候选的可疑新账号数',
  voterRate: '单账号 10 分钟投票数',
  regularTiming: '投票间隔过于规律（变异系数）',
  fastTap: '进入页面到投票过快（毫秒）',
  newAccount: '新账号首票',
  candidateSpike: '候选票数激增倍数',
  candidateNewAccounts: '新账号秒投占比',
  referralRing: '助力链同设备层数',
  wechatRisk: '微信风险等级',
  lockstep: '同一秒集中投票（相对前 5 秒倍数）',
  riskyCohort: '新账号中微信风险≥2 的占比',
  tightDwell: '新账号停留时长雷同占比',
  referralFanout: '同一分享人 10 分钟带来账号数（其中 30% 有自身疑点时才计）',
};

const ACTIONS = [
  ['score', '计分'],
  ['review', '直接送审'],
  ['reject', '直接拒绝'],
] as const;

type RuleFields = {
  enabled: HTMLInputElement;
  threshold: Field;
  weight: Field;
  action: Field<HTMLSelectElement>;
};

type RuleSettings = RiskSettings['rules'][RiskRuleId];

/** One rule's row: on or off, its name and id, then threshold, weight and action. */
function ruleRow(id: RiskRuleId, r: RuleSettings): { fields: RuleFields; row: HTMLElement } {
  const label = RULE_LABELS[id];
  const f: RuleFields = {
    enabled: h('input', {
      type: 'checkbox',
      name: `${id}.enabled`,
      checked: r.enabled,
      'aria-label': `启用：${label}`,
    }),
    threshold: field(
      `${label} 阈值`,
      input({ name: `${id}.threshold`, type: 'number', step: 'any', value: r.threshold }),
    ),
    weight: field(
      `${label} 权重`,
      input({ name: `${id}.weight`, type: 'number', step: '0.1', value: r.weight }),
    ),
    action: field(`${label} 动作`, select(ACTIONS, r.action, { name: `${id}.action` })),
  };
  const row = h(
    'tr',
    {},
    h('td', {}, f.enabled),
    h('th', { scope: 'row' }, label, h('div', { class: 'muted' }, h('code', {}, id))),
    h('td', {}, f.threshold.wrap),
    h('td', {}, f.weight.wrap),
    h('td', {}, f.action.wrap),
  );
  return { fields: f, row };
}

/** Every input of the form, filled from the settings: the switch, the two scores, then each rule. */
function settingsFields(settings: RiskSettings) {
  const enabled = h('input', {
    type: 'checkbox',
    id: 'risk-enabled',
    name: 'enabled',
    checked: settings.enabled,
  });
  const reviewAt = field(
    '送审分数',
    input({ name: 'reviewAt', type: 'number', step: '0.1', min: 0, max: 100, value: settings.reviewAt }),
  );
  const rejectAt = field(
    '拒绝分数',
    input({ name: 'rejectAt', type: 'number', step: '0.1', min: 0, max: 100, value: settings.rejectAt }),
  );
  const rules = {} as Record<RiskRuleId, RuleFields>;
  const rows = RISK_RULE_IDS.map((id) => {
    const { fields, row } = ruleRow(id, settings.rules[id]);
    rules[id] = fields;
    return row;
  });
  return { enabled, reviewAt, rejectAt, rules, rows };
}

type SettingsFields = ReturnType<typeof settingsFields>;

/** The settings as the form reads. */
function readSettings({ enabled, reviewAt, rejectAt, rules }: SettingsFields): RiskSettings {
  return {
    enabled: enabled.checked,
    reviewAt: Number(reviewAt.control.value),
    rejectAt: Number(rejectAt.control.value),
    rules: Object.fromEntries(
      RISK_RULE_IDS.map((id) => [
        id,
        {
          enabled: rules[id].enabled.checked,
          threshold: Number(rules[id].threshold.control.value),
          weight: Number(rules[id].weight.control.value),
          action: rules[id].action.control.value as RuleSettings['action'],
        },
      ]),
    ) as RiskSettings['rules'],
  };
}

/** The field an issue's path names: a score, or a rule's threshold, weight or action. */
function fieldOf(
  { reviewAt, rejectAt, rules }: SettingsFields,
  path: string,
): Field<HTMLElement> | undefined {
  if (path === 'reviewAt') return reviewAt;
  if (path === 'rejectAt') return rejectAt;
  const m = /^rules\.(\w+)\.(threshold|weight|action)$/.exec(path);
  const f = m ? rules[m[1] as RiskRuleId] : undefined;
  return f && m ? f[m[2] as 'threshold' | 'weight' | 'action'] : undefined;
}

/** The fields that can show a problem, to clear before showing new ones. */
const allFields = ({ reviewAt, rejectAt, rules }: SettingsFields): Field<HTMLElement>[] => [
  reviewAt,
  rejectAt,
  ...RISK_RULE_IDS.flatMap((id) => [rules[id].threshold, rules[id].weight, rules[id].action]),
];

/** The form laid out: the switch and scores, the rules' table, its problem and button. */
function layout(fields: SettingsFields, problem: HTMLElement): (HTMLElement | string)[] {
  return [
    h('h2', { id: 'risk-title' }, '风控规则'),
    h(
      'p',
      { class: 'muted' },
      '每条规则触发时为投票加上权重分；分数达到送审分数的投票暂不计入，等待审核；达到拒绝分数的直接拒绝。已判定的投票不受修改影响。',
    ),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field check' }, fields.enabled, h('label', { for: 'risk-enabled' }, '启用风控')),
      fields.reviewAt.wrap,
      fields.rejectAt.wrap,
    ),
    h(
      'table',
      { class: 'table compact rules' },
      h(
        'thead',
        {},
        h('tr', {}, ...['启用', '规则', '阈值', '权重', '动作'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h('tbody', {}, ...fields.rows),
    ),
    problem,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, '保存风控规则')),
  ];
}

/**
 * The campaign's risk rules (GET/PATCH risk/settings): on or off, the scores that hold and reject,
 * and each rule's threshold, weight and action. Checked with the server's schema before sending;
 * a problem is shown next to its field.
 */
export async function renderRiskRules(body: HTMLElement, campaign: CampaignView): Promise<undefined> {
  let settings: RiskSettings;
  try {
    settings = (await api<{ settings: RiskSettings }>('GET', `/api/campaigns/${campaign.id}/risk/settings`))
      .settings;
  } catch (error) {
    body.append(h('p', { class: 'form-error' }, error instanceof ApiError ? error.message : '加载失败'));
    return undefined;
  }
  const fields = settingsFields(settings);
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const show = (issues: Map<string, string>) =>
    showIssues(issues, { fields: allFields(fields), fieldOf: (path) => fieldOf(fields, path), problem });

  const save = async (event: Event) => {
    event.preventDefault();
    const next = readSettings(fields);
    const checked = riskSettingsSchema.safeParse(next);
    if (!checked.success) {
      show(issuesByField(toFieldIssues(checked.error)));
      return;
    }
    show(new Map());
    try {
      await api<{ settings: RiskSettings }>(
        'PATCH',
        `/api/campaigns/${campaign.id}/risk/settings`,
        next satisfies RiskSettingsPatch,
      );
      toast('风控规则已保存，几秒内生效');
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) show(issuesByField(error.issues));
      else problem.textContent = error instanceof ApiError ? error.message : '保存失败';
    }
  };

  body.append(
    h(
      'form',
      {
        class: 'card form',
        id: 'risk-form',
        'aria-labelledby': 'risk-title',
        novalidate: true,
        onsubmit: save,
      },
      ...layout(fields, problem),
    ),
  );
  return undefined;
}
