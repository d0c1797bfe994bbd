import { CAMPAIGN_STATUSES, CAMPAIGN_TRANSITIONS } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { lifecycleActions, STATUS_LABELS } from '../../src/console/lifecycle.js';

describe('the lifecycle buttons', () => {
  it('name every status in Chinese', () => {
    expect(CAMPAIGN_STATUSES.map((s) => STATUS_LABELS[s])).toEqual([
      '草稿',
      '已排期',
      '进行中',
      '已暂停',
      '已封榜',
      '已结束',
      '已归档',
    ]);
  });

  it('offer exactly the moves the server allows from each status, each asking first', () => {
    for (const status of CAMPAIGN_STATUSES) {
      const actions = lifecycleActions(status);
      expect(actions.filter((a) => a.to).map((a) => a.to)).toEqual([...CAMPAIGN_TRANSITIONS[status]]);
      for (const action of actions) expect(action.confirm).toMatch(/确定.*吗？$/);
    }
  });

  it('start a scheduled campaign, pause and freeze a live one, and reveal once frozen or ended', () => {
    const labels = (status: Parameters<typeof lifecycleActions>[0]) =>
      lifecycleActions(status).map((a) => a.label);
    expect(labels('draft')).toEqual(['发布排期']);
    expect(labels('scheduled')).toEqual(['撤回为草稿', '立即开始']);
    expect(labels('live')).toEqual(['暂停', '封榜', '结束活动']);
    expect(labels('paused')).toEqual(['继续', '封榜', '结束活动']);
    expect(labels('frozen')).toEqual(['揭晓排名', '结束活动']);
    expect(labels('ended')).toEqual(['揭晓排名', '归档']);
    expect(labels('archived')).toEqual([]);
  });

  it('mark the moves that stop voting or cannot be undone as dangerous', () => {
    const danger = lifecycleActions('live')
      .filter((a) => a.danger)
      .map((a) => a.id);
    expect(danger).toEqual(['pause', 'freeze', 'end']);
    expect(lifecycleActions('scheduled').some((a) => a.danger)).toBe(false);
  });
});
