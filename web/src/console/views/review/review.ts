import type { CampaignView } from '@rallyboard/core/protocol';
import type { Cleanup } from '../../cleanup.js';
import { h } from '../../dom.js';
import { bulkActions } from './bulk-actions.js';
import { heldGroups } from './held-groups.js';
import type { ReviewSelection } from './selection.js';
import { voidByRuleForm } from './void-by-rule.js';

/**
 * The review queue: held votes grouped by rule or by cluster; select groups or single votes and
 * approve or void them in bulk with a note; void by rule (a network, a candidate, a device, a time
 * span) with the background job's progress until done.
 */
export function renderReview(body: HTMLElement, campaign: CampaignView): Cleanup {
  const selection: ReviewSelection = { groupBy: 'cluster', groups: new Set(), votes: new Set() };
  const actions = h('ol', { class: 'action-list', id: 'review-actions', 'aria-label': '审核任务' });
  const reload = () => held.load();
  // The parts are built in the order the page always built them, so their fields' ids are the same.
  const bulk = bulkActions({ campaignId: campaign.id, selection, actions, reload });
  const held = heldGroups(campaign, selection);
  const voidByRule = voidByRuleForm({ campaign, actions, reload });

  body.append(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'held-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'held-title' }, '待审核投票'), held.by),
      held.summary,
      held.list,
      bulk,
    ),
    voidByRule,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'actions-title' },
      h('h3', { id: 'actions-title' }, '审核任务进度'),
      actions,
    ),
  );
  void held.load();
  return () => {
    actions.replaceChildren();
  };
}
