import { AppError, boardSubscribeSchema, toFieldIssues } from '@rallyboard/core/protocol';
import type { AppDeps } from '../../deps.js';
import { answer } from '../ack.js';
import { boardRoom, type RealtimeSocket } from '../types.js';

/** `board:unsubscribe`: leave the board's room; no more `rank:updated` for it. */
export function registerUnsubscribe(socket: RealtimeSocket, deps: AppDeps): void {
  socket.on('board:unsubscribe', async (payload, ack) => {
    const reply = await answer(deps.logger, async () => {
      const parsed = boardSubscribeSchema.safeParse(payload);
      if (!parsed.success) {
        throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
      }
      await socket.leave(boardRoom(parsed.data.boardId));
      return { boardId: parsed.data.boardId };
    });
    if (typeof ack === 'function') ack(reply);
  });
}
