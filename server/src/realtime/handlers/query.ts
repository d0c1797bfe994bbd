import {
  AppError,
  type BoardView,
  boardQuerySchema,
  type MemberView,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { queryBoard } from '../../boards/queries.js';
import type { AppContext } from '../../deps.js';
import { answer } from '../ack.js';
import type { RealtimeSocket } from '../types.js';

/** `board:query { type, boardId, … }`: the REST reads over the socket, answered by ack. */
export function registerQuery(socket: RealtimeSocket, ctx: AppContext): void {
  socket.on('board:query', async (payload, ack) => {
    if (typeof ack !== 'function') return;
    ack(
      await answer<BoardView | MemberView>(ctx.logger, async () => {
        const parsed = boardQuerySchema.safeParse(payload);
        if (!parsed.success) {
          throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
        }
        return queryBoard(ctx, parsed.data);
      }),
    );
  });
}
