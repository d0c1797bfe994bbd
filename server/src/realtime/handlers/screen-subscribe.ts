import {
  AppError,
  type RankingView,
  type ScreenSnapshot,
  type ScreenWindow,
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
        await joinScreen(socket, campaignId, await ctx.screens.open(campaignId, token));
        try {
          // Read the campaign again after joining: a change in between (a status, the ranking the
          // host put on the screen) is in this read, and one after it reaches the screen room.
          const campaign = await ctx.screens.open(campaignId, token);
          // The view, the room and the snapshot must name the same ranking: the screen's feed drops
          // another ranking's updates, and a view it already shows starts no resubscription.
          const { window, view } = await joinScreen(socket, campaignId, campaign);
          screenTokensOf(socket).set(campaignId, token);
          const [screen, board] = await Promise.all([
            ctx.screens.view(campaign),
            queryBoard(ctx, { type: 'top', boardId: campaignId, window, view, limit: ctx.config.relay.topN }),
          ]);
          return { screen, board };
        } catch (error) {
          await Promise.all(
            [screenRoom(campaignId), ...screenRooms(campaignId)].map((room) => socket.leave(room)),
          );
          throw error;
        }
      }),
    );
  });
}

/**
 * Puts a socket in a campaign's screen room and in the room of the ranking the campaign's
 * screens show, out of the rooms of its other rankings; says which ranking that is.
 */
async function joinScreen(
  socket: RealtimeSocket,
  campaignId: string,
  campaign: { screenWindow?: ScreenWindow | undefined; screenView?: RankingView | undefined },
): Promise<{ window: ScreenWindow; view: RankingView }> {
  const window = campaign.screenWindow ?? 'all';
  const view = campaign.screenView ?? 'candidates';
  const room = boardRoom(campaignId, window, { view });
  await Promise.all(
    screenRooms(campaignId)
      .filter((r) => r !== room)
      .map((r) => socket.leave(r)),
  );
  await socket.join([screenRoom(campaignId), room]);
  return { window, view };
}
