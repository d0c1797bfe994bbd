import type { BoardKind } from '../protocol/campaigns.js';
import { myReferralsSchema } from '../protocol/referrals.js';
import { authorized } from './auth.js';

/**
 * How many friends my share links brought to a campaign (助力): participants whose first counted
 * vote came through one of them. Only ever shown to me, as thanks: WeChat forbids rewarding a
 * share, so nothing is earned for it and sharers are never ranked.
 */
export const myInvitees = (campaignId: string) =>
  authorized({ method: 'GET', path: `/api/campaigns/${campaignId}/referrals/mine` }, myReferralsSchema).then(
    (answer) => answer.invitees,
  );

/** The thanks for them, or '' when no one came (nothing asks for more). */
export const thanksFor = (invitees: number, kind: BoardKind): string =>
  invitees > 0 ? `你的分享带来了 ${invitees} 位好友参与${kind === 'like' ? '点赞' : '投票'}，谢谢你！` : '';
