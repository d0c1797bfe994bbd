import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';

/**
 * Which of these members the voter likes now on a like board (its like sets, which the apply
 * script keeps), in the order given: one round trip, a pipelined SISMEMBER per member.
 */
export async function readLiked(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  voterId: string,
  memberIds: readonly string[],
): Promise<string[]> {
  const board = keys.board(boardId);
  const pipeline = redis.pipeline();
  for (const memberId of memberIds) pipeline.sismember(board.likes(memberId), voterId);
  const replies = (await pipeline.exec()) ?? [];
  return memberIds.filter((_, i) => {
    const [error, member] = replies[i] ?? [null, 0];
    if (error) throw error;
    return member === 1;
  });
}
