import {
  type CampaignDoc,
  newRewardRuleId,
  poolExpired,
  type RewardModels,
  type RewardRuleDoc,
} from '@rallyboard/core/db';
import {
  AppError,
  type AuditAction,
  FORBIDDEN_TRIGGER_RULES,
  FORBIDDEN_TRIGGERS,
  type RewardRuleInput,
  type RewardRuleView,
  refuseShareWords,
} from '@rallyboard/core/protocol';
import { couponsLeft, type KeyBuilder, queueRewardBackfill, type RedisClient } from '@rallyboard/core/redis';
import type { AuditLog } from '../audit/log.js';
import type { HostPrincipal } from '../hosts/principal.js';
import { termsOf } from './terms.js';

export interface RewardRuleDeps {
  rewards: RewardModels;
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'rewards'>;
  audit: AuditLog;
  now: () => number;
}

type Actor = { host: HostPrincipal; ip: string };

/** Records a change to a campaign's rewards in its audit log. */
export function auditRewards(
  deps: Pick<RewardRuleDeps, 'audit'>,
  actor: Actor,
  campaignId: string,
  action: Extract<AuditAction, `rewards.${string}`>,
  change: { before: unknown; after: unknown },
): Promise<void> {
  return deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action,
    target: { type: 'campaign', id: campaignId },
    campaignId,
    ...change,
  });
}

const isForbidden = (kind: string): kind is (typeof FORBIDDEN_TRIGGERS)[number] =>
  (FORBIDDEN_TRIGGERS as readonly string[]).includes(kind);

/** A trigger as it is stored: its own fields only. */
function ownTrigger(trigger: RewardRuleDoc['trigger']): RewardRuleDoc['trigger'] {
  switch (trigger.kind) {
    case 'every-nth':
      return { kind: 'every-nth', n: trigger.n };
    case 'milestone':
      return { kind: 'milestone', candidateId: trigger.candidateId, count: trigger.count };
    case 'campaign-end':
      return { kind: 'campaign-end', top: trigger.top };
    default:
      return { kind: 'first-of-day' };
  }
}

/** Rules as hosts and participants see them, with their terms and (coupons) the stock left. */
export async function ruleViews(
  deps: RewardRuleDeps,
  campaign: Pick<CampaignDoc, '_id' | 'members' | 'schedule'>,
): Promise<RewardRuleView[]> {
  const campaignId = campaign._id;
  const candidates = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
  const [rules, pools, lotteries, unlockables] = await Promise.all([
    deps.rewards.rules.find({ campaignId }).sort({ createdAt: 1 }).lean<RewardRuleDoc[]>(),
    deps.rewards.pools.find({ campaignId }).lean(),
    deps.rewards.lotteries.find({ campaignId }, { name: 1 }).lean(),
    deps.rewards.unlockables.find({ campaignId }, { title: 1 }).lean(),
  ]);
  const poolOf = new Map(pools.map((p) => [p._id, p]));
  const lotteryName = new Map(lotteries.map((l) => [l._id, l.name]));
  const unlockableTitle = new Map(unlockables.map((u) => [u._id, u.title]));
  return Promise.all(
    rules.map(async (rule) => {
      const pool = rule.reward.kind === 'coupon' ? poolOf.get(rule.reward.poolId) : undefined;
      const left = pool ? await couponsLeft(deps.redis, deps.keys, pool._id) : undefined;
      return {
        id: rule._id,
        campaignId: rule.campaignId,
        name: rule.name,
        trigger: rule.trigger,
        reward: rule.reward,
        enabled: rule.enabled,
        ...(rule.reached === undefined ? {} : { reached: rule.reached }),
        ...(rule.endTop === undefined ? {} : { endTop: rule.endTop }),
        ...(rule.endsAt ? { endsAt: new Date(rule.endsAt).toISOString() } : {}),
        terms: termsOf(rule, {
          candidates,
          timezone: campaign.schedule.timezone,
          now: deps.now(),
          ...(pool ? { pool } : {}),
          ...(left === undefined ? {} : { left }),
          ...(rule.reward.kind === 'lottery' ? { lottery: lotteryName.get(rule.reward.lotteryId) } : {}),
          ...(rule.reward.kind === 'unlock'
            ? { unlockable: unlockableTitle.get(rule.reward.unlockableId) }
            : {}),
        }),
        ...(left === undefined ? {} : { stockLeft: left }),
      };
    }),
  );
}

/** Puts the campaign on the workers' list of campaigns with rules, whose counted votes they mark. */
async function listCampaign(deps: RewardRuleDeps, campaignId: string): Promise<void> {
  await deps.redis.sadd(deps.keys.rewards.campaigns, campaignId);
}

/**
 * Adds a reward rule. A trigger on a share, an invitation or a payment is refused with
 * REWARD_TRIGGER_FORBIDDEN citing the platform rule; a coupon rule needs a pool of the campaign's.
 * The rule applies to the campaign's counted votes, those before it too (backfilled).
 */
export async function createRule(
  deps: RewardRuleDeps,
  actor: Actor,
  campaign: CampaignDoc,
  body: RewardRuleInput,
): Promise<RewardRuleDoc> {
  const kind = body.trigger.kind;
  if (isForbidden(kind)) {
    throw new AppError('REWARD_TRIGGER_FORBIDDEN', {
      details: { trigger: kind, rule: FORBIDDEN_TRIGGER_RULES[kind] },
    });
  }
  refuseShareWords({ 'body.name': body.name });
  if (campaign.status === 'ended' || campaign.status === 'archived') {
    throw new AppError('CAMPAIGN_NOT_EDITABLE', { message: 'Rewards can be added until the campaign ends.' });
  }
  if (body.endsAt !== undefined && Date.parse(body.endsAt) <= deps.now()) {
    throw new AppError('INVALID_INPUT', { details: [{ path: 'body.endsAt', message: 'must be ahead' }] });
  }
  if (body.reward.kind === 'coupon') {
    const pool = await deps.rewards.pools
      .findOne({ _id: body.reward.poolId, campaignId: campaign._id })
      .lean();
    if (!pool) throw new AppError('COUPON_POOL_NOT_FOUND', { details: { poolId: body.reward.poolId } });
    if (poolExpired(pool, deps.now())) {
      throw new AppError('COUPON_EXPIRED', { details: { poolId: body.reward.poolId } });
    }
  }
  if (body.reward.kind === 'lottery') {
    const lottery = await deps.rewards.lotteries
      .findOne({ _id: body.reward.lotteryId, campaignId: campaign._id }, { _id: 1 })
      .lean();
    // (A drawn lottery's campaign has ended, so it takes no rule: refused above.)
    if (!lottery) throw new AppError('LOTTERY_NOT_FOUND', { details: { lotteryId: body.reward.lotteryId } });
  }
  if (body.reward.kind === 'unlock') {
    const item = await deps.rewards.unlockables
      .findOne({ _id: body.reward.unlockableId, campaignId: campaign._id }, { unlock: 1 })
      .lean();
    if (item?.unlock.kind !== 'reward') {
      throw new AppError('INVALID_INPUT', {
        details: [
          {
            path: 'body.reward.unlockableId',
            message:
              'is not content of the campaign that a reward opens (its unlock must be { kind: "reward" })',
          },
        ],
      });
    }
  }
  const trigger = body.trigger as RewardRuleDoc['trigger'];
  if (trigger.kind === 'milestone') {
    const candidate = campaign.members.find((m) => m.candidateId === trigger.candidateId);
    if (!candidate) {
      throw new AppError('INVALID_INPUT', {
        details: [{ path: 'body.trigger.candidateId', message: 'is not a candidate of the campaign' }],
      });
    }
    // The terms name the candidate (until 2026-12-07 that name went unchecked).
    refuseShareWords({ 'candidate.name': candidate.name });
  }
  const rule: RewardRuleDoc = {
    _id: newRewardRuleId(),
    campaignId: campaign._id,
    name: body.name,
    trigger: ownTrigger(trigger),
    reward: body.reward,
    enabled: true,
    ...(body.endsAt ? { endsAt: new Date(body.endsAt) } : {}),
    createdAt: new Date(deps.now()),
    createdBy: actor.host.hostId,
  };
  // The list first: a server that dies before the save leaves a campaign listed without a new
  // rule, which costs a pass, never a rule the workers do not know of. The past voters are put in
  // line (due a few seconds on: mark.ts) after the save: a backfill that ran before the rule was
  // in MongoDB (a save slower than those seconds) marked them for a pass that did not know the
  // rule, and nothing marked them again (until 2026-12-07 they were put in line only before the
  // save). Before it as well, for a server that dies right after saving: that entry, due before
  // a slow save ends, costs a pass.
  await listCampaign(deps, campaign._id);
  await queueRewardBackfill(deps.redis, deps.keys, campaign._id, rule._id, deps.now());
  await deps.rewards.rules.create(rule);
  await queueRewardBackfill(deps.redis, deps.keys, campaign._id, rule._id, deps.now());
  await auditRewards(deps, actor, campaign._id, 'rewards.rule', {
    before: null,
    after: { id: rule._id, name: rule.name, trigger: rule.trigger, reward: rule.reward },
  });
  return rule;
}

/** Pauses or resumes a rule: paused, it gives nothing new; what it gave stays unless its vote is voided. */
export async function setRuleEnabled(
  deps: RewardRuleDeps,
  actor: Actor,
  campaign: CampaignDoc,
  ruleId: string,
  enabled: boolean,
): Promise<void> {
  const rule = await deps.rewards.rules.findOneAndUpdate(
    { _id: ruleId, campaignId: campaign._id },
    { $set: { enabled } },
    { returnDocument: 'before' },
  );
  if (!rule) throw new AppError('REWARD_RULE_NOT_FOUND');
  // Resumed, it applies to the campaign's counted votes again, those cast while it was paused too.
  if (enabled) {
    await listCampaign(deps, campaign._id);
    await queueRewardBackfill(deps.redis, deps.keys, campaign._id, ruleId, deps.now());
  }
  await auditRewards(deps, actor, campaign._id, 'rewards.rule-update', {
    before: { id: ruleId, enabled: rule.enabled },
    after: { id: ruleId, enabled },
  });
}
