import { CAMPAIGN_TRANSITIONS, type CampaignStatus, canReveal } from '@rallyboard/core/protocol';

/** Each status as the console shows it. */
export const STATUS_LABELS: Readonly<Record<CampaignStatus, string>> = {
  draft: '草稿',
  scheduled: '已排期',
  live: '进行中',
  paused: '已暂停',
  frozen: '已封榜',
  ended: '已结束',
  archived: '已归档',
};

export type LifecycleActionId =
  | 'schedule'
  | 'unschedule'
  | 'start'
  | 'pause'
  | 'resume'
  | 'freeze'
  | 'reveal'
  | 'end'
  | 'archive';

/** A lifecycle button: what it says, the status it moves to (none for the reveal), and what it asks. */
export interface LifecycleAction {
  id: LifecycleActionId;
  label: string;
  /** The status it moves the campaign to; the reveal changes no status. */
  to?: CampaignStatus;
  /** The confirmation's question: every button asks before it acts. */
  confirm: string;
  /** Irreversible, or it stops voting: the dialog's button is red. */
  danger: boolean;
}

/** The button for each move of CAMPAIGN_TRANSITIONS, keyed `from>to`. */
const MOVES: Readonly<Record<string, Omit<LifecycleAction, 'to'>>> = {
  'draft>scheduled': {
    id: 'schedule',
    label: '发布排期',
    confirm: '发布后活动将在开始时间自动上线，并在结束时间自动结束。确定发布吗？',
    danger: false,
  },
  'scheduled>draft': {
    id: 'unschedule',
    label: '撤回为草稿',
    confirm: '撤回后活动不会按时开始，可以继续修改。确定撤回吗？',
    danger: false,
  },
  'scheduled>live': {
    id: 'start',
    label: '立即开始',
    confirm: '活动将立即开始接受投票。确定开始吗？',
    danger: false,
  },
  'live>paused': {
    id: 'pause',
    label: '暂停',
    confirm: '暂停期间不接受投票，排行榜保持可见。确定暂停吗？',
    danger: true,
  },
  'paused>live': { id: 'resume', label: '继续', confirm: '恢复接受投票。确定继续吗？', danger: false },
  'live>frozen': {
    id: 'freeze',
    label: '封榜',
    confirm: '封榜后公开排名停止更新，投票照常计入，直到揭晓。封榜不可撤销，确定封榜吗？',
    danger: true,
  },
  'paused>frozen': {
    id: 'freeze',
    label: '封榜',
    confirm: '封榜后公开排名停止更新，投票照常计入，直到揭晓。封榜不可撤销，确定封榜吗？',
    danger: true,
  },
  'live>ended': {
    id: 'end',
    label: '结束活动',
    confirm: '结束后不再接受任何投票，且不可重新开始。确定结束吗？',
    danger: true,
  },
  'paused>ended': {
    id: 'end',
    label: '结束活动',
    confirm: '结束后不再接受任何投票，且不可重新开始。确定结束吗？',
    danger: true,
  },
  'frozen>ended': {
    id: 'end',
    label: '结束活动',
    confirm: '结束后不再接受任何投票，公开排名恢复为最终结果。确定结束吗？',
    danger: true,
  },
  'ended>archived': {
    id: 'archive',
    label: '归档',
    confirm: '归档后活动对参与者不可见，且不可再修改。确定归档吗？',
    danger: true,
  },
};

const REVEAL: LifecycleAction = {
  id: 'reveal',
  label: '揭晓排名',
  confirm: '大屏将从最后一名开始逐一揭晓最终排名。确定揭晓吗？',
  danger: false,
};

/**
 * The buttons a campaign in `status` shows, in the order of its life: one per move the server
 * allows (CAMPAIGN_TRANSITIONS, so the two cannot disagree), and the reveal where canReveal allows it.
 */
export function lifecycleActions(status: CampaignStatus): LifecycleAction[] {
  const actions: LifecycleAction[] = CAMPAIGN_TRANSITIONS[status].map((to) => {
    const move = MOVES[`${status}>${to}`];
    if (!move) throw new Error(`no button for ${status} → ${to}`);
    return { ...move, to };
  });
  if (canReveal(status)) actions.unshift(REVEAL);
  return actions;
}
