import type { Logger } from '@rallyboard/core/logger';
import { AppError, boardSubscribeSchema, toFieldIssues } from '@rallyboard/core/protocol';
import { rankingOf } from '../../boards/queries.js';
import { answer } from '../ack.js';
import { boardRoom, type RealtimeSocket } from '../types.js';

/** `board:unsubscribe { boardId, window }`: leave the room; no more `rank:updated` for it. */
export function registerUnsubscribe(socket: RealtimeSocket, ctx: { logger: Logger }): void {
  socket.on('board:unsubscribe', async (payload, ack) => {
    const reply = await answer(ctx.logger, async () => {
      const parsed = boardSubscribeSchema.safeParse(payload);
      if (!parsed.success) {
        throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
      }
      const { boardId, window, view, group } = parsed.data;
      await socket.leave(boardRoom(boardId, window, rankingOf({ view, group })));
      return parsed.data;
    });
    if (typeof ack === 'function') ack(reply);
  });
}
