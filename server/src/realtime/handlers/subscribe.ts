import type { Logger } from '@rallyboard/core/logger';
import { AppError, type BoardView, boardSubscribeSchema, toFieldIssues } from '@rallyboard/core/protocol';
import { type BoardReadDeps, queryBoard, rankingOf } from '../../boards/queries.js';
import { answer } from '../ack.js';
import { boardRoom, type RealtimeSocket } from '../types.js';

export interface SubscribeDeps extends BoardReadDeps {
  logger: Logger;
  config: { relay: { topN: number } };
}

/**
 * `board:subscribe { boardId, window, view?, group? }`: join the room of the window's ranking (the
 * candidates, one group's, the groups'), then answer with a snapshot of its top N.
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
        const { boardId, window, view, group } = parsed.data;
        const room = boardRoom(boardId, window, rankingOf({ view, group }));
        await socket.join(room);
        try {
          return await queryBoard(
            ctx,
            { type: 'top', boardId, window, view, group, limit: ctx.config.relay.topN },
            { input: 'payload' },
          );
        } catch (error) {
          await socket.leave(room);
          throw error;
        }
      }),
    );
  });
}
