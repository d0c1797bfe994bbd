import {
  AppError,
  type ScreenSnapshot,
  screenSubscribeSchema,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { queryBoard } from '../../boards/queries.js';
import type { Screens } from '../../screens/screens.js';
import { answer } from '../ack.js';
import { boardRoom, type RealtimeSocket, screenRoom, screenRooms, screenTokensOf } from '../types.js';
import type { SubscribeDeps } from './subscribe.js';

export interface ScreenSubscribeDeps extends SubscribeDeps {
  screens: Pick<Screens, 'open' | 'view'>;
}

/**
 * `screen:subscribe { campaignId, token? }`: a big screen joins its campaign's screen room and
 * the room of the ranking the host put on the screen (all time, today or this week, of the
 * candidates or the groups; it leaves the others), then gets its view and a snapshot of that ranking. An unlisted
 * campaign needs its screen token (SCREEN_TOKEN_INVALID), checked before joining anything, and
 * kept: the screen relay checks it again when the campaign changes (its tokens revoked).
 *
 * Join first, read second, as board:subscribe does: a change between the two still arrives.
 */
export function registerScreenSubscribe(socket: RealtimeSocket, ctx: ScreenSubscribeDeps): void {
  socket.on('screen:subscribe', async (payload, ack) => {
    if (typeof ack !== 'function') return;
    ack(
      await answer<ScreenSnapshot>(ctx.logger, async () => {
        const parsed = screenSubscribeSchema.safeParse(payload);
        if (!parsed.success) {
          throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
        }
        const { campaignId, token } = parsed.data;
        const opened = await ctx.screens.open(campaignId, token);
        const window = opened.screenWindow ?? 'all';
        const view = opened.screenView ?? 'candidates';
        const room = boardRoom(campaignId, window, { view });
        const rooms = [screenRoom(campaignId), room];
        await Promise.all(
          screenRooms(campaignId)
            .filter((r) => r !== room)
            .map((r) => socket.leave(r)),
        );
        await socket.join(rooms);
        try {
          // Read the campaign again after joining: a status change in between is in this view.
          const campaign = await ctx.screens.open(campaignId, token);
          screenTokensOf(socket).set(campaignId, token);
          const [screen, board] = await Promise.all([
            ctx.screens.view(campaign),
            queryBoard(ctx, { type: 'top', boardId: campaignId, window, view, limit: ctx.config.relay.topN }),
          ]);
          return { screen, board };
        } catch (error) {
          await Promise.all(rooms.map((room) => socket.leave(room)));
          throw error;
        }
      }),
    );
  });
}
