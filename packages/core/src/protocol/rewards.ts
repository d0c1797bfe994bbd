import { z } from 'zod';
import { instantSchema } from './day.js';
import { AppError } from './errors.js';
import { lotteryIdSchema } from './lotteries.js';
import { unlockIdSchema } from './unlocks.js';

/**
 * Reward rules (激励): what a campaign gives for a participant's own counted activity. Only
 * counted votes and likes earn, and a voided vote takes back what it earned (docs/rewards.md).
 *
 * WeChat's platform rules (微信小程序平台运营规范, 诱导分享 and 有偿投票) forbid rewarding a share, an
 * invitation or a payment, directly or indirectly: such triggers are named here only so that a
 * rule asking for one is refused with REWARD_TRIGGER_FORBIDDEN (docs/compliance.md).
 */
export const REWARD_TRIGGERS = ['first-of-day', 'every-nth', 'milestone', 'campaign-end'] as const;
export const FORBIDDEN_TRIGGERS = ['share', 'invite', 'referral', 'payment', 'purchase', 'gift'] as const;
export type RewardTriggerKind = (typeof REWARD_TRIGGERS)[number];

/** Which rule of the platform a forbidden trigger breaks: the message a refusal cites. */
export const FORBIDDEN_TRIGGER_RULES: Readonly<Record<(typeof FORBIDDEN_TRIGGERS)[number], string>> = {
  share:
    '微信小程序平台运营规范 3.5 诱导分享：不得以奖励（积分、优惠券、抽奖机会等）诱导用户分享，直接或间接均不可。',
  invite: '微信小程序平台运营规范 3.5 诱导分享：不得以奖励诱导用户邀请好友，包括多级邀请奖励。',
  referral: '微信小程序平台运营规范 3.5 诱导分享：助力只记归属、只致谢，不得据此发放任何奖励。',
  payment: '微信小程序平台运营规范：禁止有偿投票，票数不得以付费或购买获得，奖励也不得以付费为条件。',
  purchase: '微信小程序平台运营规范：禁止有偿投票，票数不得以付费或购买获得，奖励也不得以付费为条件。',
  gift: '微信小程序平台运营规范：禁止有偿投票，礼物不得折算为票数或奖励。',
};

/**
 * Phrases that ask for a share or an invitation. Host text published beside the rewards (a rule's
 * name, a lottery's name and prizes, a coupon pool's name) that says 邀请好友 or 转发 makes even a
 * milestone a share's reward (诱导分享, indirectly), so it is refused as a share trigger is.
 * Phrases, not single characters' neighbours: 积分享好礼 or 小朋友专享 are no share; simplified
 * and traditional; Latin words whole (a digit or _ ends a word too), so "Preferred" passes.
 */
const SHARE_PHRASES = [
  '转发',
  '轉發',
  '邀请',
  '邀請',
  '拉票',
  '帮投',
  '幫投',
  '拉人',
  '朋友圈',
  '好友助力',
  '助力好友',
  '邀好友',
  '叫上好友',
  '喊好友',
  '拉好友',
  '分享给',
  '分享給',
  '分享到',
  '分享后',
  '分享後',
  '分享即',
  '分享得',
  '分享领',
  '分享領',
  '分享送',
  '分享抽',
  '分享赢',
  '分享贏',
  '扩散',
  '擴散',
];
/** Words with a share phrase inside that are none: an invitational match. */
const NOT_SHARES = ['邀请赛', '邀請賽'];
const SHARE_WORDS_LATIN =
  /(?<![a-z])(shar(?:e|es|ing)|invit(?:e|es|ed|ing|ation|ations)|refer(?:s|ral|rals|ring)?|friends?)(?![a-z])/g;

/** The share phrases in `text`, full-width forms folded and what is neither letter nor digit dropped. */
export function shareWordsIn(text: string): string[] {
  const plain = text.normalize('NFKC').toLowerCase();
  let joined = plain.replace(/[^\p{L}\p{N}]/gu, '');
  for (const word of NOT_SHARES) joined = joined.replaceAll(word, '');
  const latin = plain.replace(/[^\p{L}\p{N}\s_]/gu, '');
  return [
    ...SHARE_PHRASES.filter((phrase) => joined.includes(phrase)),
    ...new Set(Array.from(latin.matchAll(SHARE_WORDS_LATIN), (m) => m[0])),
  ];
}

/**
 * A candidate's name as reward text prints it (a milestone rule's terms, a like's unlock
 * condition): the name, unless it asks for shares. A rule or an unlock on such a candidate is
 * refused when it is made; a candidate renamed since is not named beside the reward.
 */
export function nameBesideRewards(name: string): string {
  return shareWordsIn(name).length === 0 ? name : '（候选名称含分享用语，不在此显示）';
}

/**
 * Refuses host text published beside the rewards that asks for shares or invitations, naming the
 * field, the words and the platform rule (422 REWARD_TRIGGER_FORBIDDEN).
 */
export function refuseShareWords(fields: Readonly<Record<string, string | undefined>>): void {
  for (const [field, text] of Object.entries(fields)) {
    const words = text === undefined ? [] : shareWordsIn(text);
    if (words.length === 0) continue;
    throw new AppError('REWARD_TRIGGER_FORBIDDEN', {
      message: `Text shown beside rewards may not ask for shares or invitations (${field}: ${words.join(', ')}): it would make the reward a share's.`,
      details: { field, words, rule: FORBIDDEN_TRIGGER_RULES.share },
    });
  }
}

export const rewardRuleIdSchema = z.string().regex(/^rr[A-Za-z0-9_-]{10}$/, 'is not a reward rule id');
export const couponPoolIdSchema = z.string().regex(/^cp[A-Za-z0-9_-]{10}$/, 'is not a coupon pool id');

const allowedTriggerSchema = z.discriminatedUnion('kind', [
  /** The participant's first counted vote (or like) of the day, in the campaign's timezone. */
  z.strictObject({ kind: z.literal('first-of-day') }),
  /** Every n-th counted vote of the participant (likes: every n-th candidate liked). */
  z.strictObject({ kind: z.literal('every-nth'), n: z.number().int().min(1).max(1_000) }),
  /** A candidate reaching `count` counted votes (likes): each participant with a counted vote for it. */
  z.strictObject({
    kind: z.literal('milestone'),
    candidateId: z.string().min(1).max(64),
    count: z.number().int().min(1).max(100_000_000),
  }),
  /** The campaign ending: each participant with a counted vote for one of the final top `top`. */
  z.strictObject({ kind: z.literal('campaign-end'), top: z.number().int().min(1).max(100) }),
]);
const triggerSchema = z.union([allowedTriggerSchema, z.looseObject({ kind: z.enum(FORBIDDEN_TRIGGERS) })]);

const rewardSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('points'), points: z.number().int().min(1).max(10_000) }),
  /** One code from a coupon pool of the campaign's (its stock, per-person limit and expiry). */
  z.strictObject({ kind: z.literal('coupon'), poolId: couponPoolIdSchema }),
  /** A ticket of a lottery of the campaign's, up to the lottery's per-participant number. */
  z.strictObject({ kind: z.literal('lottery'), lotteryId: lotteryIdSchema }),
  /** Opens one of the campaign's content items whose unlock is `{ kind: "reward" }` (点赞解锁). */
  z.strictObject({ kind: z.literal('unlock'), unlockableId: unlockIdSchema }),
]);
export type RewardSpec = z.infer<typeof rewardSchema>;

/**
 * Body of `POST /api/campaigns/:id/reward-rules`. A trigger of FORBIDDEN_TRIGGERS is accepted by
 * the schema and refused by the service (422 REWARD_TRIGGER_FORBIDDEN), so the refusal can cite
 * the rule it breaks rather than read as a typo.
 */
export const rewardRuleInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  trigger: triggerSchema,
  reward: rewardSchema,
  /** Votes accepted after this earn nothing from the rule. Absent: until the campaign ends. */
  endsAt: instantSchema.optional(),
});
export type RewardRuleInput = z.infer<typeof rewardRuleInputSchema>;

/** Body of `PATCH …/reward-rules/:ruleId`: a paused rule grants nothing new; what it granted stays. */
export const rewardRulePatchSchema = z.strictObject({ enabled: z.boolean() });

export type AllowedTrigger = z.infer<typeof allowedTriggerSchema>;

/** A rule as hosts and participants see it, with its complete terms in words. */
export const rewardRuleViewSchema = z.object({
  id: rewardRuleIdSchema,
  campaignId: z.string(),
  name: z.string(),
  trigger: z.object({
    kind: z.enum(REWARD_TRIGGERS),
    n: z.number().optional(),
    candidateId: z.string().optional(),
    count: z.number().optional(),
    top: z.number().optional(),
  }),
  /** A milestone rule: whether its candidate has its counted votes now. */
  reached: z.boolean().optional(),
  /** An end rule, once its campaign ended: the final top candidates whose supporters earn. */
  endTop: z.array(z.string()).optional(),
  reward: rewardSchema,
  enabled: z.boolean(),
  endsAt: z.iso.datetime().optional(),
  /** The rule's terms in Chinese: what earns what, how many, the stock and the deadline. */
  terms: z.string(),
  /** A coupon rule: codes left in its pool. */
  stockLeft: z.number().optional(),
});
export type RewardRuleView = z.infer<typeof rewardRuleViewSchema>;
export const rewardRuleListSchema = z.object({ rules: z.array(rewardRuleViewSchema) });

/** Body of `POST /api/campaigns/:id/coupon-pools`. */
export const couponPoolInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  /** How many codes of the pool one participant may hold. */
  perParticipant: z.number().int().min(1).max(100).default(1),
  /** When the codes stop being good at the shop (shown to participants). */
  expiresAt: instantSchema,
});
export type CouponPoolInput = z.infer<typeof couponPoolInputSchema>;

/** Body of `POST …/coupon-pools/:poolId/codes`: the CSV, one code per line (a `code` header allowed). */
export const couponImportSchema = z.strictObject({ csv: z.string().min(1).max(1_000_000) });

/** A coupon code: letters, digits, `-` and `_`, 4 to 64 of them. */
export const COUPON_CODE = /^[A-Za-z0-9_-]{4,64}$/;

export const couponPoolViewSchema = z.object({
  id: couponPoolIdSchema,
  name: z.string(),
  perParticipant: z.number(),
  expiresAt: z.iso.datetime(),
  /**
   * Codes imported, left, handed out, redeemed at the shop, redeemed then revoked, and retired
   * (revoked after their holder had seen them: never handed out or redeemed again).
   */
  stock: z.object({
    total: z.number(),
    left: z.number(),
    granted: z.number(),
    redeemed: z.number(),
    flagged: z.number(),
    retired: z.number(),
  }),
});
export type CouponPoolView = z.infer<typeof couponPoolViewSchema>;
export const couponPoolListSchema = z.object({ pools: z.array(couponPoolViewSchema) });

/** Body of `POST …/coupon-pools/:poolId/redeem`: the shop took this code. */
export const couponRedeemSchema = z.strictObject({ code: z.string().regex(COUPON_CODE) });

export const GRANT_STATUSES = ['active', 'unfilled', 'revoked'] as const;

/** One grant, as its participant (and the host) sees it. */
export const rewardGrantViewSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  /** `unfilled`: earned, but the pool had no code left (filled if one comes back) or had expired (never filled). */
  status: z.enum(GRANT_STATUSES),
  points: z.number().optional(),
  code: z.string().optional(),
  /** A lottery ticket: its lottery, and the holder hash the published ticket list names this participant by. */
  lotteryId: z.string().optional(),
  holder: z.string().optional(),
  /** An unlock: the content item it opens (its content is read at /api/me/unlockables). */
  unlockableId: z.string().optional(),
  expiresAt: z.iso.datetime().optional(),
  grantedAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
  /** Why it was taken back: the vote that earned it no longer counts. */
  revokedBecause: z.string().optional(),
  redeemedAt: z.iso.datetime().optional(),
});
export type RewardGrantView = z.infer<typeof rewardGrantViewSchema>;

/** `GET /api/me/rewards`: the participant's points and grants. */
export const myRewardsSchema = z.object({ points: z.number(), grants: z.array(rewardGrantViewSchema) });
export type MyRewards = z.infer<typeof myRewardsSchema>;
