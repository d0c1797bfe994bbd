import type { NotificationEvent } from '../protocol/notifications.js';
import type { VoteAction } from '../protocol/votes.js';
import type { DwellClock } from './dwell.js';
import { shareTokenFor } from './referral.js';
import { ApiError, type FailureCode } from './request.js';
import { askToHear } from './subscriptions.js';
import { forgetIntent, keepUncertain, keptIntent } from './uncertain-votes.js';
import { castVote, voteIntent } from './votes.js';

/** What a page shows after a tap on a vote or like button. */
export type TapOutcome = { ok: true; voteId: string } | { ok: false; message: string };

const DONE: Record<VoteAction, string> = {
  vote: '投票成功，正在计票',
  like: '已点赞',
  unlike: '已取消点赞',
};

/**
 * Failures after which the server may have queued the vote all the same: no answer (a lost
 * answer, a timeout), 503, a 5xx or an answer we cannot read (a proxy's page). Any other is a
 * catalogue refusal: the vote was not taken.
 */
const UNCERTAIN: ReadonlySet<FailureCode> = new Set([
  'NETWORK',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
  'BAD_ANSWER',
]);

/** What the user reads when the vote may have gone through: a tap again confirms it, once. */
const MAYBE_DONE: Record<VoteAction, { title: string; content: string }> = {
  vote: { title: '可能已投上', content: '没有收到确认，这一票可能已提交。再点一次会确认，不会重复计票' },
  like: { title: '可能已提交', content: '没有收到确认，点赞可能已提交。再点一次会确认，不会重复点赞' },
  unlike: { title: '可能已提交', content: '没有收到确认，取消可能已提交。再点一次会确认' },
};

/**
 * A participant's tap on a vote or like button: one vote intent (one idempotency key, the
 * dwell time, the share that brought them), cast with retries on network drops, and the toast
 * or the Chinese message of the refusal shown. When a send got no certain answer and no later
 * one was accepted (the retries got none either, or were refused), the intent is kept (in storage,
 * for KEEP_MS: uncertain-votes.ts) and a tap again sends it again with the same key, so it counts
 * once, even after the app was killed in between.
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
  const tappedAt = Date.now();
  // While still in the tap (WeChat shows its prompt only then): may we tell them the results (or
  // the suggestion's progress)? Once per campaign (suggestion); whatever they answer, the vote goes on.
  const hear = args.hear ?? { event: 'results-final' };
  if (args.action !== 'unlike') {
    await askToHear(hear.event, args.boardId, hear.entryId, hear.at === undefined ? {} : { at: hear.at });
  }
  const shareToken = shareTokenFor(args.boardId);
  const kept = keptIntent(args.boardId, args.candidateId, args.action);
  const intent =
    kept ??
    voteIntent({
      boardId: args.boardId,
      candidateId: args.candidateId,
      action: args.action,
      ...(dwellMs === undefined ? {} : { dwellMs }),
      ...(shareToken === undefined ? {} : { shareToken }),
    });
  try {
    const accepted = await castVote(intent);
    forgetIntent(args.boardId, args.candidateId);
    wx.showToast({ title: DONE[args.action], icon: 'success' });
    return { ok: true, voteId: accepted.voteId };
  } catch (error) {
    // A refusal after a send of this tap that got no certain answer (a 503, then RATE_LIMITED
    // for the rate-limit point that send spent, or CAMPAIGN_NOT_LIVE as the campaign ended)
    // says nothing of that send, which the server may have queued: it is uncertain as well.
    if (!(error instanceof ApiError) || UNCERTAIN.has(error.code) || error.afterMaybeDone) {
      keepUncertain(intent, tappedAt);
      const { title, content } = MAYBE_DONE[args.action];
      wx.showModal({ title, content, showCancel: false });
      return { ok: false, message: content };
    }
    // A refusal of a kept intent's send again says nothing of its first send, which the server
    // may still hold undecided (its workers behind): the key is kept, so the next tap cannot
    // count a second vote. Only a fresh intent refused was never taken.
    if (kept === undefined) forgetIntent(args.boardId, args.candidateId);
    wx.showModal({
      title: args.action === 'vote' ? '没有投上' : '操作没有成功',
      content: error.message,
      showCancel: false,
    });
    return { ok: false, message: error.message };
  }
}
