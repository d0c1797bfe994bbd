import { type CampaignDoc, campaignModel } from '@rallyboard/core/db';
import { isPublished } from '@rallyboard/core/protocol';
import { z } from 'zod';
import type { AppContext } from '../deps.js';
import type { Relay } from '../relay/relay.js';
import { type RealtimeServer, screenRoom } from './types.js';

const screenChangeSchema = z.object({ campaignId: z.string() });

/**
 * Sends a campaign's screens its new view when server or workers say it changed (a status
 * change, the reveal). Each server reads the campaign once per message for the screens it holds
 * itself, and none when it holds none.
 */
export function createScreenRelay(io: RealtimeServer, ctx: AppContext): Relay {
  const campaigns = campaignModel(ctx.mongo);

  async function push(campaignId: string): Promise<void> {
    const room = screenRoom(campaignId);
    if (!io.sockets.adapter.rooms.get(room)?.size) return;
    try {
      const campaign = await campaigns.findById(campaignId).lean<CampaignDoc>();
      // Moved back to draft or archived: its screens keep what they have; reloading says why.
      if (!campaign || !isPublished(campaign.status)) return;
      io.local.to(room).emit('screen:updated', await ctx.screens.view(campaign));
    } catch (error) {
      ctx.logger.error({ err: error, campaignId }, 'screen relay could not push a view');
    }
  }

  const onMessage = (channel: string, message: string) => {
    if (channel !== ctx.keys.screenChanges) return;
    let parsed: z.infer<typeof screenChangeSchema>;
    try {
      parsed = screenChangeSchema.parse(JSON.parse(message));
    } catch {
      ctx.logger.warn('ignoring a malformed screen change');
      return;
    }
    void push(parsed.campaignId);
  };

  return {
    async start() {
      ctx.subscriber.on('message', onMessage);
      await ctx.subscriber.subscribe(ctx.keys.screenChanges);
    },
    async stop() {
      ctx.subscriber.off('message', onMessage);
      if (ctx.subscriber.status === 'ready') await ctx.subscriber.unsubscribe(ctx.keys.screenChanges);
    },
  };
}
