import type { Logger } from '@rallyboard/core/logger';
import {
  AppError,
  type BoardView,
  boardQuerySchema,
  type MemberView,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { type BoardReadDeps, queryBoard } from '../../boards/queries.js';
import { answer } from '../ack.js';
import type { RealtimeSocket } from '../types.js';

export interface QueryDeps extends BoardReadDeps {
  logger: Logger;
}

/** `board:query { type, boardId, … }`: the REST reads over the socket, answered by ack. */
export function registerQuery(socket: RealtimeSocket, ctx: QueryDeps): void {
  socket.on('board:query', async (payload, ack) => {
    if (typeof ack !== 'function') return;
    ack(
      await answer<BoardView | MemberView>(ctx.logger, async () => {
        const parsed = boardQuerySchema.safeParse(payload);
        if (!parsed.success) {
          throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
        }
        return queryBoard(ctx, parsed.data, { input: 'payload' });
      }),
    );
  });
}
