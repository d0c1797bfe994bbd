import {
  type BoardSettlement,
  type BoardSync,
  type BoardSyncDeps,
  settleBoard,
  syncBoard,
} from '@rallyboard/core/campaigns';
import {
  type BoardModel,
  boardModel,
  type CampaignDoc,
  type CampaignModel,
  type CampaignSerializer,
  campaignModel,
  entryModels,
  type HostModel,
  hostModel,
  removeEntriesOf,
} from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import type { AuditAction, CampaignStatus, NotificationEvent } from '@rallyboard/core/protocol';
import {
  type CampaignScheduleJob,
  type NotificationJob,
  queueNotificationEvent,
} from '@rallyboard/core/queue';
import { type BoardCache, type KeyBuilder, type RedisClient, withLock } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { HostPrincipal } from '../hosts/principal.js';
import type { CandidateTextCheck } from './text-check.js';

/** Who asks for a change, and from where: what the audit log records of them. */
export interface Actor {
  host: HostPrincipal;
  ip: string;
}

/** What the campaign store is built from. */
export interface CampaignStoreDeps extends Omit<BoardSyncDeps, 'boards'> {
  mongo: Connection;
  /** Where a board Redis lost is reported: a rebuild's to restore. */
  logger: Logger;
  /** Where lifecycle moves queue a campaign's scheduled start and end. */
  campaignQueue: Queue<CampaignScheduleJob>;
  /** Where a start, an end and a reveal queue what subscribed participants hear of them. */
  notificationQueue: Queue<NotificationJob>;
  /** This process's board cache, forgotten when a campaign's board changes. */
  boardCache: BoardCache;
  audit: AuditLog;
  /** WeChat's content check of the candidate text a host saves. */
  checkTexts: CandidateTextCheck;
}

/** What every campaign operation works with. */
export interface CampaignStore {
  redis: RedisClient;
  keys: KeyBuilder;
  campaignQueue: Queue<CampaignScheduleJob>;
  /** Queues an event for the participants who subscribed to it (once per campaign and event). */
  notify(event: NotificationEvent, campaignId: string): Promise<void>;
  boardCache: BoardCache;
  campaigns: CampaignModel;
  boards: BoardModel;
  hosts: HostModel;
  /**
   * Runs a change to one campaign while no other process changes it: the same Redis lock as
   * lifecycle moves (the schedule worker's too). FerretDB has no transactions, so every
   * read-check-write of a campaign happens under it.
   */
  serialize: CampaignSerializer;
  /**
   * Writes the campaign's board (record and Redis registration) from the campaign. A board Redis
   * lost once the campaign has been live is left to a rebuild, and logged (see syncBoard).
   */
  sync(campaign: CampaignDoc): Promise<BoardSync>;
  /**
   * Puts the board in step with the campaign's status and end after a move from `from` (see
   * settleBoard): a board Redis does not have is registered if the campaign has never been live,
   * else left to a rebuild, and logged.
   */
  settle(campaign: CampaignDoc, from: CampaignStatus | undefined): Promise<BoardSettlement>;
  /** Reads a campaign back after a write. */
  reload(campaignId: string): Promise<CampaignDoc>;
  /** Checks the candidate text a change would save (text-check.ts); throws when it may not be saved. */
  checkTexts: CandidateTextCheck;
  /**
   * Marks the participants' entries that became these candidates `removed`, as the actor's, with
   * their pictures deleted (docs/entries.md): called under the campaign's lock before the
   * candidates are written away, so no entry outlives its candidate shown or holding a place.
   */
  removeEntriesOf(actor: Actor, campaignId: string, candidateIds: readonly string[]): Promise<void>;
  /** Records a change to a campaign or one of its members in the audit log. */
  audit(
    actor: Actor,
    action: AuditAction,
    campaignId: string,
    change: { member?: string; before: unknown; after: unknown },
  ): Promise<void>;
}

export function createCampaignStore(deps: CampaignStoreDeps): CampaignStore {
  const campaigns = campaignModel(deps.mongo);
  const boards = boardModel(deps.mongo);
  const entries = entryModels(deps.mongo);
  const boardDeps: BoardSyncDeps = { redis: deps.redis, keys: deps.keys, config: deps.config, boards };
  // The change stands in MongoDB (the `boards` record too); the votes wait until a rebuild.
  const reportLost = (campaign: CampaignDoc, what: string) =>
    deps.logger.error(
      { campaignId: campaign._id, status: campaign.status },
      `campaign ${what}, but Redis has lost its board: run \`npm run rebuild -- ${campaign._id}\``,
    );
  return {
    redis: deps.redis,
    keys: deps.keys,
    campaignQueue: deps.campaignQueue,
    notify: (event, campaignId) => queueNotificationEvent(deps.notificationQueue, { event, campaignId }),
    boardCache: deps.boardCache,
    campaigns,
    boards,
    hosts: hostModel(deps.mongo),
    checkTexts: deps.checkTexts,
    async removeEntriesOf(actor, campaignId, candidateIds) {
      await removeEntriesOf(entries, deps.mongo, campaignId, candidateIds, actor.host.hostId);
    },
    serialize: (campaignId, work) => withLock(deps.redis, deps.keys.campaignLock(campaignId), work),
    async sync(campaign) {
      const synced = await syncBoard(boardDeps, campaign);
      // This process's ingest sees a candidate added at once (others within BOARD_CACHE_MS).
      deps.boardCache.forget(campaign._id);
      if (synced === 'board-missing') reportLost(campaign, 'changed');
      return synced;
    },
    async settle(campaign, from) {
      const settled = await settleBoard(boardDeps, campaign, { from });
      // This process's public reads see the new status at once; others on the change it publishes.
      deps.boardCache.forget(campaign._id);
      if (settled === 'board-missing') reportLost(campaign, 'moved');
      return settled;
    },
    async reload(campaignId) {
      const campaign = await campaigns.findById(campaignId).lean<CampaignDoc>();
      if (!campaign) throw new Error(`campaign ${campaignId} vanished after a write`);
      return campaign;
    },
    audit: (actor, action, campaignId, { member, before, after }) =>
      deps.audit({
        actor: actor.host,
        ip: actor.ip,
        action,
        target: member === undefined ? { type: 'campaign', id: campaignId } : { type: 'member', id: member },
        campaignId,
        before,
        after,
      }),
  };
}
