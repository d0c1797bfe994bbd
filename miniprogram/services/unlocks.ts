import { type UnlockableView, unlockableListSchema } from '../protocol/unlocks.js';
import { readVoteStatus } from './api.js';
import { authorized } from './auth.js';

/**
 * Like-to-unlock (点赞解锁): a like campaign's content items as this participant may see them.
 * The server sends a locked item's title, how it opens and a shared goal's progress, never its
 * content, so what the page shows as open is exactly what the server opened.
 */

/** A campaign's items, in the order the host added them: content only of those open to me. */
const myUnlockables = (campaignId: string) =>
  authorized(
    { method: 'GET', path: '/api/me/unlockables', query: { campaignId } },
    unlockableListSchema,
  ).then((answer) => answer.items);

/** One item as the candidate page shows it. */
export interface UnlockRow {
  id: string;
  title: string;
  /** How it opens, in Chinese (the server's words). */
  how: string;
  locked: boolean;
  /** The content, once open: '' for none. */
  text: string;
  imageUrl: string;
  /** A shared goal's progress in words ('' for an item a like of mine opens), and its bar. */
  progress: string;
  /** Of the goal, 0–100, for the bar's width. */
  percent: number;
}

function unlockRowOf(item: UnlockableView): UnlockRow {
  const { progress } = item;
  return {
    id: item.id,
    title: item.title,
    how: item.how,
    locked: item.locked,
    text: item.content?.text ?? '',
    imageUrl: item.content?.imageUrl ?? '',
    progress: progress ? `${progress.likes} / ${progress.goal} 赞` : '',
    percent: progress ? Math.min(100, Math.floor((100 * progress.likes) / progress.goal)) : 0,
  };
}

/** One candidate's items in a campaign, as rows. */
export async function candidateUnlocks(campaignId: string, candidateId: string): Promise<UnlockRow[]> {
  const items = await myUnlockables(campaignId);
  return items.filter((i) => i.candidateId === candidateId).map(unlockRowOf);
}

/** The items open to me in a campaign (for 我的奖励): every candidate's, with their content. */
export async function openUnlocks(campaignId: string): Promise<UnlockRow[]> {
  const items = await myUnlockables(campaignId);
  return items.filter((i) => !i.locked).map(unlockRowOf);
}

/**
 * Waits while one of my votes (a like, an unlike) is still queued: the workers count it a moment
 * after the tap, and only then does it open (or close) an item. Asks after each delay in turn.
 * @param delays ms before each ask; @default about 15 s in all
 * @param gone stops early (the page was closed)
 * @returns whether it was decided (counted or not) before the delays ran out
 */
export async function whenDecided(
  boardId: string,
  voteId: string,
  gone: () => boolean = () => false,
  delays: readonly number[] = [300, 700, 1_000, 2_000, 3_000, 4_000, 4_000],
): Promise<boolean> {
  for (const delay of delays) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (gone()) return false;
    const status = await readVoteStatus(boardId, voteId).catch(() => null);
    if (status && status.status !== 'queued') return true;
  }
  return false;
}
