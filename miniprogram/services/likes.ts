import { listMyVotes } from './api.js';

/**
 * The candidates I like on a like board, from my decided likes and unlikes: for each candidate
 * the newest one that stood (counted, or unchanged because it already stood) says.
 * @param pages how many pages of 100 to read at most; @default 3
 */
export async function likedCandidates(boardId: string, pages = 3): Promise<Set<string>> {
  const decided = new Map<string, boolean>();
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const page = await listMyVotes(boardId, cursor, 100);
    for (const vote of page.votes) {
      if (!vote.candidateId || decided.has(vote.candidateId)) continue;
      if (vote.status !== 'counted' && vote.status !== 'unchanged') continue;
      if (vote.action === 'like' || vote.action === 'unlike')
        decided.set(vote.candidateId, vote.action === 'like');
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return new Set([...decided].filter(([, liked]) => liked).map(([candidateId]) => candidateId));
}
