import type { Logger } from '@rallyboard/core/logger';
import { isPublished } from '@rallyboard/core/protocol';
import type { KeyBuilder } from '@rallyboard/core/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Screens } from '../../screens/screens.js';
import { type RealtimeServer, screenRoom } from '../types.js';
import { channelRelay, type Relay } from './channel.js';

const screenChangeSchema = z.object({ campaignId: z.string() });

export interface ScreenRelayDeps {
  subscriber: Redis;
  keys: Pick<KeyBuilder, 'screenChanges'>;
  logger: Logger;
  screens: Pick<Screens, 'find' | 'view'>;
}

/**
 * Sends a campaign's screens its new view when server or workers say it changed (a status
 * change, the reveal). Each server reads the campaign once per message for the screens it holds
 * itself, and none when it holds none.
 */
export function createScreenRelay(io: RealtimeServer, deps: ScreenRelayDeps): Relay {
  async function push(campaignId: string): Promise<void> {
    const room = screenRoom(campaignId);
    if (!io.sockets.adapter.rooms.get(room)?.size) return;
    try {
      const campaign = await deps.screens.find(campaignId);
      // Moved back to draft or archived: its screens keep what they have; reloading says why.
      if (!campaign || !isPublished(campaign.status)) return;
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
    deliver: (change) => void push(change.campaignId),
  });
}
