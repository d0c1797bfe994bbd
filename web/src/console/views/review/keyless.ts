import type { HeldVote } from '@rallyboard/core/protocol';
import { api } from '../../api.js';
import type { GroupBy } from './selection.js';

/**
 * The key the server groups held votes under when they have none: no cluster (grouped by
 * cluster) or no rule (grouped by rule; a vote held with its cluster). See server/src/review/held.ts.
 * No query or review selection names this group (a cluster or a rule must be named), so the
 * console reads its votes from the whole held list and reviews them by their ids.
 */
export const NO_KEY = '(none)';

/** What the console calls that group. */
export const noKeyLabel = (by: GroupBy): string =>
  by === 'reason' ? '没有触发规则的投票' : '未归入聚集的投票';

/** The most held votes one read of the list gives. */
const PAGE = 500;

/** The most vote ids one review request takes (reviewSelectionSchema). */
const IDS_PER_REQUEST = 5_000;

const keyless = (vote: HeldVote, by: GroupBy): boolean =>
  (by === 'reason' ? vote.reasons : vote.clusters).length === 0;

/**
 * Held votes of the group without a key, newest first: the held list is read a page at a time
 * from `from` and the votes without a key kept, until at least `want` are found or the list ends.
 * `cursor` is where the next read starts (null: the list is read to its end).
 */
export async function readKeyless(
  campaignId: string,
  by: GroupBy,
  from: string | null,
  want: number,
): Promise<{ votes: HeldVote[]; cursor: string | null }> {
  const votes: HeldVote[] = [];
  let cursor = from;
  do {
    const after = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await api<{ votes?: HeldVote[]; nextCursor?: string | null }>(
      'GET',
      `/api/campaigns/${campaignId}/review/held?limit=${PAGE}${after}`,
    );
    votes.push(...(page.votes ?? []).filter((vote) => keyless(vote, by)));
    cursor = page.nextCursor ?? null;
  } while (cursor !== null && votes.length < want);
  return { votes, cursor };
}

/** The ids of every vote held now in the group without a key, in requests' worth (IDS_PER_REQUEST). */
export async function keylessIdChunks(campaignId: string, by: GroupBy): Promise<string[][]> {
  const { votes } = await readKeyless(campaignId, by, null, Number.POSITIVE_INFINITY);
  const chunks: string[][] = [];
  for (let i = 0; i < votes.length; i += IDS_PER_REQUEST) {
    chunks.push(votes.slice(i, i + IDS_PER_REQUEST).map((vote) => vote.voteId));
  }
  return chunks;
}
