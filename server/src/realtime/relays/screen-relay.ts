import type { CampaignDoc } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import { isPublished } from '@rallyboard/core/protocol';
import type { BoardCache, KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import { z } from 'zod';
import type { Screens } from '../../screens/screens.js';
import {
  campaignOfScreenRoom,
  type RealtimeServer,
  screenRoom,
  screenRooms,
  screenTokensOf,
} from '../types.js';
import { channelRelay, type Relay } from './channel.js';

const screenChangeSchema = z.object({ campaignId: z.string() });

export interface ScreenRelayDeps {
  subscriber: RedisClient;
  keys: Pick<KeyBuilder, 'screenChanges'>;
  logger: Logger;
  screens: Pick<Screens, 'find' | 'view' | 'admits'>;
  /** This process's board cache, which ingest and public reads trust for BOARD_CACHE_MS. */
  boards: { cache: Pick<BoardCache, 'forget'> };
}

/**
 * Sends a campaign's screens its new view when server or workers say it changed (a status
 * change, the reveal, its screen tokens revoked), and forgets the campaign's board in this
 * process's cache, so ingest reads its new status at once. Each server reads the campaign once per message
 * for the screens it holds itself, and none when it holds none. Before the view goes out, each
 * screen's token is checked against the campaign as it is now: a screen whose token was revoked
 * (or whose campaign became unlisted) is closed, and subscribing again tells it why. After the
 * subscriber connection comes back from a drop, every campaign whose screens this server holds
 * gets the same, since a change published meanwhile was never heard.
 */
export function createScreenRelay(io: RealtimeServer, deps: ScreenRelayDeps): Relay {
  async function closeRefused(campaign: CampaignDoc, socketIds: readonly string[]): Promise<void> {
    await Promise.all(
      socketIds.map(async (id) => {
        const socket = io.sockets.sockets.get(id);
        if (!socket || (await deps.screens.admits(campaign, screenTokensOf(socket).get(campaign._id))))
          return;
        screenTokensOf(socket).delete(campaign._id);
        await Promise.all([
          socket.leave(screenRoom(campaign._id)),
          ...screenRooms(campaign._id).map((room) => socket.leave(room)),
        ]);
        // The page connects again and subscribes: SCREEN_TOKEN_INVALID then shows it the error.
        socket.disconnect(true);
      }),
    );
  }

  async function push(campaignId: string): Promise<void> {
    const room = screenRoom(campaignId);
    const held = io.sockets.adapter.rooms.get(room);
    if (!held?.size) return;
    try {
      const campaign = await deps.screens.find(campaignId);
      // Moved back to draft or archived: its screens keep what they have; reloading says why.
      if (!campaign || !isPublished(campaign.status)) return;
      await closeRefused(campaign, [...held]);
      io.local.to(room).emit('screen:updated', await deps.screens.view(campaign));
    } catch (error) {
      deps.logger.error({ err: error, campaignId }, 'screen relay could not push a view');
    }
  }

  return channelRelay({
    subscriber: deps.subscriber,
    channel: deps.keys.screenChanges,
    schema: screenChangeSchema,
    logger: deps.logger,
    what: 'screen change',
    deliver: (change) => {
      // Every status move (the host's on any server, the schedule worker's) and every change of
      // members comes with this message: the board is read again at once, so a vote that
      // follows an end or a pause is refused here, not up to a cache time later.
      deps.boards.cache.forget(change.campaignId);
      void push(change.campaignId);
    },
    resync: () => {
      // An end, a freeze or a reveal published during the drop: without this, a screen would
      // show its old status until the campaign's next change.
      for (const room of io.sockets.adapter.rooms.keys()) {
        const campaignId = campaignOfScreenRoom(room);
        if (campaignId === undefined) continue;
        deps.boards.cache.forget(campaignId);
        void push(campaignId);
      }
    },
  });
}
