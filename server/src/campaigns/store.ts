import {
  type BoardModel,
  boardModel,
  type CampaignDoc,
  type CampaignModel,
  type CampaignSerializer,
  campaignModel,
  type HostModel,
  hostModel,
} from '@rallyboard/core/db';
import type { AuditAction } from '@rallyboard/core/protocol';
import { withLock } from '@rallyboard/core/redis';
import type { AppContext } from '../deps.js';
import type { HostPrincipal } from '../hosts/principal.js';
import { syncBoard } from './board-sync.js';

/** Who asks for a change, and from where: what the audit log records of them. */
export interface Actor {
  host: HostPrincipal;
  ip: string;
}

/** What every campaign operation works with. */
export interface CampaignStore {
  ctx: AppContext;
  campaigns: CampaignModel;
  boards: BoardModel;
  hosts: HostModel;
  /**
   * Runs a change to one campaign while no other process changes it: the same Redis lock as
   * lifecycle moves (the schedule worker's too). FerretDB has no transactions, so every
   * read-check-write of a campaign happens under it.
   */
  serialize: CampaignSerializer;
  /** Writes the campaign's board (record and Redis registration) from the campaign. */
  sync(campaign: CampaignDoc): Promise<void>;
  /** Reads a campaign back after a write. */
  reload(campaignId: string): Promise<CampaignDoc>;
  /** Records a change to a campaign or one of its members in the audit log. */
  audit(
    actor: Actor,
    action: AuditAction,
    campaignId: string,
    change: { member?: string; before: unknown; after: unknown },
  ): Promise<void>;
}

export function createCampaignStore(ctx: AppContext): CampaignStore {
  const campaigns = campaignModel(ctx.mongo);
  const boards = boardModel(ctx.mongo);
  return {
    ctx,
    campaigns,
    boards,
    hosts: hostModel(ctx.mongo),
    serialize: (campaignId, work) => withLock(ctx.redis, ctx.keys.campaignLock(campaignId), work),
    async sync(campaign) {
      await syncBoard({ ...ctx, boards }, campaign);
      // This process's ingest sees a candidate added at once (others within BOARD_CACHE_MS).
      ctx.boards.cache.forget(campaign._id);
    },
    async reload(campaignId) {
      const campaign = await campaigns.findById(campaignId).lean<CampaignDoc>();
      if (!campaign) throw new Error(`campaign ${campaignId} vanished after a write`);
      return campaign;
    },
    audit: (actor, action, campaignId, { member, before, after }) =>
      ctx.audit({
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
