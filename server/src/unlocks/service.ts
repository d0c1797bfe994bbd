import {
  type CampaignDoc,
  newUnlockableId,
  type RewardModels,
  type UnlockableDoc,
  type UnlockableModel,
} from '@rallyboard/core/db';
import {
  AppError,
  nameBesideRewards,
  refuseShareWords,
  type UnlockableInput,
  type UnlockableView,
} from '@rallyboard/core/protocol';
import { readLiked } from '@rallyboard/core/redis';
import type { AuditLog } from '../audit/log.js';
import { type BoardReadDeps, everyCandidate } from '../boards/queries.js';
import { type CandidateTextCheck, withChecks } from '../campaigns/text-check.js';
import type { HostPrincipal } from '../hosts/principal.js';

/** What like-to-unlock needs. */
export interface UnlockDeps extends BoardReadDeps {
  unlockables: UnlockableModel;
  /** Where the grants of reward rules that open items are (a `reward` unlock). */
  rewards: Pick<RewardModels, 'grants'>;
  audit: AuditLog;
  checkTexts: CandidateTextCheck;
  now: () => number;
}

type Actor = { host: HostPrincipal; ip: string };
const OVER = new Set(['ended', 'archived']);

function howOf(item: Pick<UnlockableDoc, 'unlock'>, candidateName: string): string {
  const name = nameBesideRewards(candidateName);
  switch (item.unlock.kind) {
    case 'my-like':
      return `为「${name}」点赞（计入排名）后解锁`;
    case 'shared-goal':
      return `「${name}」获得 ${item.unlock.likes} 个有效点赞后，所有人解锁`;
    default:
      return '按本活动的奖励规则，以计入排名的投票获得后解锁（见奖励规则）';
  }
}

/** The items a participant's reward grants open (a `reward` unlock): their active unlock grants'. */
async function grantedItems(
  deps: UnlockDeps,
  campaignId: string,
  participantId: string,
): Promise<Set<string>> {
  const grants = await deps.rewards.grants
    .find(
      { campaignId, participantId, status: 'active', unlockableId: { $exists: true } },
      { unlockableId: 1 },
    )
    .lean<{ unlockableId?: string }[]>();
  return new Set(grants.flatMap((g) => (g.unlockableId === undefined ? [] : [g.unlockableId])));
}

/** A refusal of the check names this content's fields, not a candidate (its id would mean nothing to the host). */
function asContentRefusal(error: unknown): unknown {
  if (
    !(error instanceof AppError) ||
    (error.code !== 'CONTENT_RISKY' && error.code !== 'CONTENT_NEEDS_REVIEW')
  ) {
    return error;
  }
  return new AppError(error.code, { details: { fields: ['title', 'text'] }, cause: error });
}

/**
 * Adds a content item to a like campaign: its title and text pass WeChat's text check as the
 * host's (as candidate text does), and it is audited. Until the campaign ends.
 */
export async function addUnlockable(
  deps: UnlockDeps,
  actor: Actor,
  campaign: CampaignDoc,
  body: UnlockableInput,
): Promise<UnlockableDoc> {
  // A like opens the first two kinds; a reward rule (any campaign's counted votes) the third.
  if (campaign.kind !== 'like' && body.unlock.kind !== 'reward') {
    throw new AppError('INVALID_INPUT', {
      details: [{ path: 'body.unlock', message: 'content opens with likes: add it to a like campaign' }],
    });
  }
  if (OVER.has(campaign.status)) {
    throw new AppError('CAMPAIGN_NOT_EDITABLE', { message: 'Content can be added until the campaign ends.' });
  }
  const candidate = campaign.members.find((m) => m.candidateId === body.candidateId);
  if (!candidate) {
    throw new AppError('INVALID_INPUT', {
      details: [{ path: 'body.candidateId', message: 'is not a candidate of the campaign' }],
    });
  }
  // Shown beside the likes (or the reward) that open it, and in a reward rule's terms: text that
  // asks for shares would make opening it a share's reward (利诱分享). A like's condition names
  // its candidate too (until 2026-12-07 that name went unchecked).
  refuseShareWords({
    'body.title': body.title,
    'body.text': body.text,
    ...(body.unlock.kind === 'reward' ? {} : { 'candidate.name': candidate.name }),
  });
  const item: UnlockableDoc = {
    _id: newUnlockableId(),
    campaignId: campaign._id,
    candidateId: body.candidateId,
    title: body.title,
    ...(body.text === undefined ? {} : { text: body.text }),
    ...(body.imageUrl === undefined ? {} : { imageUrl: body.imageUrl }),
    unlock: body.unlock,
    createdAt: new Date(deps.now()),
    createdBy: actor.host.hostId,
  };
  // What participants will read is published text: WeChat judges it as the host's.
  const checks = await deps
    .checkTexts(actor, [{ candidateId: item._id, name: item.title, description: item.text ?? '' }], [])
    .catch((error: unknown) => Promise.reject(asContentRefusal(error)));
  await deps.unlockables.create(item);
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'unlocks.add',
    target: { type: 'campaign', id: campaign._id },
    campaignId: campaign._id,
    before: null,
    after: withChecks(
      { id: item._id, candidateId: item.candidateId, title: item.title, unlock: item.unlock },
      checks,
    ),
  });
  return item;
}

/** The candidates' counted likes on the public ranking (frozen while the campaign is). */
async function likesNow(deps: UnlockDeps, campaign: Pick<CampaignDoc, '_id' | 'members'>) {
  const board = await everyCandidate(deps, campaign);
  return new Map(board.entries.map((e) => [e.candidateId, e.score]));
}

/**
 * The campaign's items as one reader sees them: a host every item whole; a participant the
 * content only of the items open to them (their counted like of its candidate stands, or its
 * shared goal is reached). A locked item's text and picture are not in the answer at all.
 */
export async function unlockableViews(
  deps: UnlockDeps,
  campaign: Pick<CampaignDoc, '_id' | 'members'>,
  reader: { host: true } | { participantId: string },
): Promise<UnlockableView[]> {
  const items = await deps.unlockables
    .find({ campaignId: campaign._id })
    .sort({ createdAt: 1, _id: 1 })
    .lean<UnlockableDoc[]>();
  if (items.length === 0) return [];
  const names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
  const likes = items.some((i) => i.unlock.kind === 'shared-goal')
    ? await likesNow(deps, campaign)
    : new Map();
  const mine =
    'participantId' in reader
      ? new Set(
          await readLiked(deps.redis, deps.keys, campaign._id, reader.participantId, [
            ...new Set(items.filter((i) => i.unlock.kind === 'my-like').map((i) => i.candidateId)),
          ]),
        )
      : new Set<string>();
  const granted =
    'participantId' in reader && items.some((i) => i.unlock.kind === 'reward')
      ? await grantedItems(deps, campaign._id, reader.participantId)
      : new Set<string>();
  return items.map((item) => {
    const { unlock } = item;
    const progress =
      unlock.kind === 'shared-goal'
        ? { likes: likes.get(item.candidateId) ?? 0, goal: unlock.likes }
        : undefined;
    const open =
      unlock.kind === 'my-like'
        ? mine.has(item.candidateId)
        : unlock.kind === 'reward'
          ? granted.has(item._id)
          : (progress?.likes ?? 0) >= unlock.likes;
    const shown = 'host' in reader || open;
    return {
      id: item._id,
      campaignId: item.campaignId,
      candidateId: item.candidateId,
      title: item.title,
      unlock:
        unlock.kind === 'shared-goal' ? { kind: 'shared-goal', likes: unlock.likes } : { kind: unlock.kind },
      how: howOf(item, names.get(item.candidateId) ?? item.candidateId),
      locked: !open,
      ...(progress ? { progress } : {}),
      ...(shown
        ? {
            content: {
              ...(item.text === undefined ? {} : { text: item.text }),
              ...(item.imageUrl === undefined ? {} : { imageUrl: item.imageUrl }),
            },
          }
        : {}),
    };
  });
}
