import { MY_LIKES_MAX } from '../protocol/votes.js';
import { readMyLikes } from './api.js';

/**
 * The candidates I like now on a like board, of those given: asked of the server's like sets, a
 * hundred at a time, so it is exact however many likes and unlikes I have made.
 */
export async function likedCandidates(
  boardId: string,
  candidateIds: readonly string[],
): Promise<Set<string>> {
  const liked = new Set<string>();
  for (let start = 0; start < candidateIds.length; start += MY_LIKES_MAX) {
    const answer = await readMyLikes(boardId, candidateIds.slice(start, start + MY_LIKES_MAX));
    for (const candidateId of answer.liked) liked.add(candidateId);
  }
  return liked;
}
