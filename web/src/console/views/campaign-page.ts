import type { CampaignView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import type { Cleanup } from '../cleanup.js';
import { h } from '../dom.js';
import { STATUS_LABELS } from '../lifecycle.js';
import { CAMPAIGN_TABS, type CampaignTab, campaignHref, TAB_LABELS } from '../routes.js';
import { renderAudit } from './audit.js';
import { renderCampaignForm } from './campaign-form/campaign-form.js';
import { renderEntries } from './entries/entries.js';
import { renderMonitor } from './monitor/monitor.js';
import { renderNotifications } from './notifications.js';
import { renderOverview } from './overview.js';
import { renderReview } from './review/review.js';
import { renderRewards } from './rewards/index.js';
import { renderRiskRules } from './risk-rules.js';

/** One campaign: its title and status over tabs (overview, edit, monitor, review, entries, rules, notifications, audit). */
export async function renderCampaignPage(
  app: HTMLElement,
  campaignId: string,
  tab: CampaignTab,
): Promise<Cleanup | undefined> {
  let campaign: CampaignView;
  try {
    campaign = await api<CampaignView>('GET', `/api/campaigns/${encodeURIComponent(campaignId)}`);
  } catch (error) {
    app.append(
      h('p', { class: 'form-error' }, error instanceof ApiError ? error.message : '加载失败'),
      h('a', { href: '#/campaigns' }, '返回活动列表'),
    );
    return undefined;
  }
  const status = h(
    'span',
    { class: `badge status-${campaign.status}`, id: 'campaign-status', 'aria-label': '活动状态' },
    STATUS_LABELS[campaign.status],
  );
  app.append(
    h('a', { class: 'back', href: '#/campaigns' }, '← 全部活动'),
    h('div', { class: 'page-head' }, h('h1', {}, campaign.title), status),
    h(
      'nav',
      { class: 'tabs', 'aria-label': '活动页面' },
      ...CAMPAIGN_TABS.map((t) =>
        h(
          'a',
          { href: campaignHref(campaign.id, t), 'aria-current': t === tab ? 'page' : undefined },
          TAB_LABELS[t],
        ),
      ),
    ),
  );
  const body = h('section', { class: 'tab-body', 'aria-label': TAB_LABELS[tab] });
  app.append(body);
  switch (tab) {
    case 'overview':
      return renderOverview(body, campaign);
    case 'edit':
      return renderCampaignForm(body, campaign);
    case 'monitor':
      return renderMonitor(body, campaign);
    case 'review':
      return renderReview(body, campaign);
    case 'rules':
      return renderRiskRules(body, campaign);
    case 'entries':
      return renderEntries(body, campaign);
    case 'rewards':
      return renderRewards(body, campaign);
    case 'notifications':
      return renderNotifications(body, campaign);
    case 'audit':
      return renderAudit(body, campaign);
  }
}
