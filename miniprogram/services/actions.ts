import type { NotificationEvent } from '../protocol/notifications.js';
import type { VoteAction } from '../protocol/votes.js';
import type { DwellClock } from './dwell.js';
import { shareTokenFor } from './referral.js';
import { ApiError } from './request.js';
import { askToHear } from './subscriptions.js';
import { castVote, voteIntent } from './votes.js';

/** What a page shows after a tap on a vote or like button. */
export type TapOutcome = { ok: true; voteId: string } | { ok: false; message: string };

const DONE: Record<VoteAction, string> = {
  vote: '投票成功，正在计票',
  like: '已点赞',
  unlike: '已取消点赞',
};

/**
 * A participant's tap on a vote or like button: one vote intent (one idempotency key, the
 * dwell time, the share that brought them), cast with retries on network drops, and the toast
 * or the Chinese message of the refusal shown.
 */
export async function voteFromTap(args: {
  boardId: string;
  candidateId: string;
  action: VoteAction;
  dwell: DwellClock;
  /** What the tap offers to tell them: the results (结果通知) unless said, or a suggestion's progress (进度通知). */
  hear?: { event: NotificationEvent; entryId?: string; at?: string };
}): Promise<TapOutcome> {
  // The dwell is to the tap, not to the end of the prompt below.
  const dwellMs = args.dwell.sinceShown();
  // While still in the tap (WeChat shows its prompt only then): may we tell them the results (or
  // the suggestion's progress)? Once per campaign (suggestion); whatever they answer, the vote goes on.
  const hear = args.hear ?? { event: 'results-final' };
  if (args.action !== 'unlike') {
    await askToHear(hear.event, args.boardId, hear.entryId, hear.at === undefined ? {} : { at: hear.at });
  }
  const shareToken = shareTokenFor(args.boardId);
  const intent = voteIntent({
    boardId: args.boardId,
    candidateId: args.candidateId,
    action: args.action,
    ...(dwellMs === undefined ? {} : { dwellMs }),
    ...(shareToken === undefined ? {} : { shareToken }),
  });
  try {
    const accepted = await castVote(intent);
    wx.showToast({ title: DONE[args.action], icon: 'success' });
    return { ok: true, voteId: accepted.voteId };
  } catch (error) {
    const message = error instanceof ApiError ? error.message : '操作失败，请稍后再试';
    wx.showModal({
      title: args.action === 'vote' ? '没有投上' : '操作没有成功',
      content: message,
      showCancel: false,
    });
    return { ok: false, message };
  }
}
