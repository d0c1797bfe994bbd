import {
  AppError,
  boardSubscribeSchema,
  type LeaderboardSnapshot,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { readLeaderboard } from '@rallyboard/core/redis';
import type { AppDeps } from '../../deps.js';
import { answer } from '../ack.js';
import { boardRoom, type RealtimeSocket } from '../types.js';

/**
 * `board:subscribe`: join the board's room, then answer with a snapshot.
 *
 * Join first, read second: a change applied between the two reaches this socket through the
 * room, and the snapshot's seq tells the client which pushed updates it already has. Reading
 * first would lose a change that lands in the gap.
 */
export function registerSubscribe(socket: RealtimeSocket, deps: AppDeps): void {
  socket.on('board:subscribe', async (payload, ack) => {
    if (typeof ack !== 'function') return;
    ack(
      await answer<LeaderboardSnapshot>(deps.logger, async () => {
        const parsed = boardSubscribeSchema.safeParse(payload);
        if (!parsed.success) {
          throw new AppError('INVALID_INPUT', { details: toFieldIssues(parsed.error, 'payload') });
        }
        const { boardId } = parsed.data;
        const room = boardRoom(boardId);
        await socket.join(room);
        try {
          return await readLeaderboard(deps.redis, deps.keys, boardId, deps.config.relay.topN);
        } catch (error) {
          await socket.leave(room);
          throw error;
        }
      }),
    );
  });
}
