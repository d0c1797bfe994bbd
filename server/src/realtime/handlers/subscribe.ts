import type { Logger } from '@rallyboard/core/logger';
import { AppError, type BoardView, boardSubscribeSchema, toFieldIssues } from '@rallyboard/core/protocol';
import { type BoardReadDeps, queryBoard } from '../../boards/queries.js';
import { answer } from '../ack.js';
import { boardRoom, type RealtimeSocket } from '../types.js';

export interface SubscribeDeps extends BoardReadDeps {
  logger: Logger;
  config: { relay: { topN: number } };
}

/**
 * `board:subscribe { boardId, window }`: join the window's room, then answer with a snapshot of
 * its top N.
 *
 * Join first, read second: a change applied between the two reaches this socket through the
 * room, and the snapshot's seq tells the client which pushed updates it already has. Reading
 * first would lose a change that lands in the gap.
 */
export function registerSubscribe(socket: RealtimeSocket, ctx: SubscribeDeps): void {
  socket.on('board:subscribe', async (payload, ack) => {
    if (typeof ack !== 'function') return;
    ack(
      await answer<BoardView>(ctx.logger, async () => {
        const parsed = boardSubscribeSchema.safeParse(payload);
        if (!parsed.success) {
          throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
        }
        const { boardId, window } = parsed.data;
        const room = boardRoom(boardId, window);
        await socket.join(room);
        try {
          return await queryBoard(ctx, { type: 'top', boardId, window, limit: ctx.config.relay.topN });
        } catch (error) {
          await socket.leave(room);
          throw error;
        }
      }),
    );
  });
}
