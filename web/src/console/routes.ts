/** The console's views, addressed by the URL fragment so that reloads and links keep the place. */
export const CAMPAIGN_TABS = [
  'overview',
  'edit',
  'monitor',
  'review',
  'entries',
  'rewards',
  'rules',
  'notifications',
  'audit',
] as const;
export type CampaignTab = (typeof CAMPAIGN_TABS)[number];

export type Route =
  | { view: 'login' }
  | { view: 'campaigns' }
  | { view: 'new' }
  | { view: 'password' }
  | { view: 'wechat' }
  | { view: 'campaign'; campaignId: string; tab: CampaignTab };

export const TAB_LABELS: Readonly<Record<CampaignTab, string>> = {
  overview: '概览',
  edit: '编辑活动',
  monitor: '实时监控',
  review: '审核队列',
  entries: '报名审核',
  rewards: '奖励',
  rules: '风控规则',
  notifications: '订阅消息',
  audit: '操作日志',
};

/**
 * `#/campaigns`, `#/campaigns/new`, `#/campaigns/<id>[/<tab>]`, `#/password` (the host's own
 * password), `#/wechat` (its WeChat binding); anything else is the list. A host without a session sees the login whatever the
 * fragment.
 */
export function parseRoute(hash: string, signedIn: boolean): Route {
  if (!signedIn) return { view: 'login' };
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'password') return { view: 'password' };
  if (parts.length === 1 && parts[0] === 'wechat') return { view: 'wechat' };
  if (parts[0] !== 'campaigns' || parts.length === 1) return { view: 'campaigns' };
  if (parts[1] === 'new') return { view: 'new' };
  const campaignId = parts[1] ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(campaignId)) return { view: 'campaigns' };
  const tab = (CAMPAIGN_TABS as readonly string[]).includes(parts[2] ?? '')
    ? (parts[2] as CampaignTab)
    : 'overview';
  return { view: 'campaign', campaignId, tab };
}

export const campaignHref = (campaignId: string, tab: CampaignTab = 'overview') =>
  `#/campaigns/${encodeURIComponent(campaignId)}/${tab}`;
