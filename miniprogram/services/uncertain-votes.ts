import { z } from 'zod';
import { boardIdSchema, candidateIdSchema } from '../protocol/ids.js';
import { dwellMsSchema, shareTokenSchema } from '../protocol/vote-context.js';
import { idempotencyKeySchema, type VoteAction, voteActionSchema } from '../protocol/votes.js';
import type { VoteIntent } from './votes.js';

/**
 * How long after its tap an intent whose send was uncertain is the one a tap again sends. Well
 * inside the server's window for a key: a retry is answered at once while its vote is queued (2
 * min) or its verdict kept (VOTE_DEDUP_TTL_SECONDS, 30 days by default), and counts once in between
 * (docs/architecture.md, step 2). Past this, a tap is taken as a new intention, and the intent is
 * never sent again.
 */
const KEEP_MS = 10 * 60_000;

const STORAGE_KEY = 'rallyboard.uncertainVotes';
/** Intents kept at most; the oldest go first (a tap per candidate, so a handful in practice). */
const KEPT_MAX = 50;

const keptSchema = z.object({
  intent: z.object({
    boardId: boardIdSchema,
    candidateId: candidateIdSchema,
    action: voteActionSchema,
    idempotencyKey: idempotencyKeySchema,
    dwellMs: dwellMsSchema.optional(),
    shareToken: shareTokenSchema.optional(),
  }),
  /** When it was tapped (ms): the server's window for its key starts no earlier. */
  at: z.number(),
});
interface Kept {
  intent: VoteIntent;
  at: number;
}

/** A stored entry, or undefined when it cannot be read (another version's, damaged): never sent. */
function readKept(value: unknown): Kept | undefined {
  const parsed = keptSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { intent, at } = parsed.data;
  const { dwellMs, shareToken, ...fields } = intent;
  return {
    intent: {
      ...fields,
      ...(dwellMs === undefined ? {} : { dwellMs }),
      ...(shareToken === undefined ? {} : { shareToken }),
    },
    at,
  };
}

/**
 * The intents a send of which was uncertain and none settled since, one per board and candidate
 * (every page's button for that candidate reuses it). Kept in storage, since a fresh key there
 * would be a second vote if the first was queued, and an app killed meanwhile (WeChat kills it
 * soon in the background) comes back with nothing in memory: until 2026-12-08 the next tap after
 * a relaunch made a new key. Read from storage once per run of the app, when first needed.
 */
let kept: Kept[] | undefined;

const fresh = (entry: Kept, now: number) => Math.abs(now - entry.at) <= KEEP_MS;
const sameTarget = (a: VoteIntent, b: Pick<VoteIntent, 'boardId' | 'candidateId'>) =>
  a.boardId === b.boardId && a.candidateId === b.candidateId;

function all(): Kept[] {
  if (kept === undefined) {
    const stored: unknown = wx.getStorageSync(STORAGE_KEY);
    kept = (Array.isArray(stored) ? stored : []).flatMap((value: unknown) => readKept(value) ?? []);
  }
  const now = Date.now();
  kept = kept.filter((entry) => fresh(entry, now));
  return kept;
}

function save(entries: Kept[]): void {
  kept = entries.slice(-KEPT_MAX);
  try {
    wx.setStorageSync(STORAGE_KEY, kept);
  } catch {
    // Storage full or failing: the intent is still kept in memory for this run of the app.
  }
}

/** The intent kept for this board, candidate and action, if it was tapped within KEEP_MS. */
export function keptIntent(boardId: string, candidateId: string, action: VoteAction): VoteIntent | undefined {
  const entry = all().find((e) => sameTarget(e.intent, { boardId, candidateId }));
  return entry?.intent.action === action ? entry.intent : undefined;
}

/**
 * Keeps an intent a send of which got no certain answer, tapped at `tappedAt`. One kept already
 * keeps the time of its first tap: its window counts from then, however often it is sent again.
 */
export function keepUncertain(intent: VoteIntent, tappedAt: number): void {
  const entries = all();
  const before = entries.find((e) => e.intent.idempotencyKey === intent.idempotencyKey);
  save([...entries.filter((e) => !sameTarget(e.intent, intent)), { intent, at: before?.at ?? tappedAt }]);
}

/** Forgets the intent kept for this board and candidate: its vote is settled. */
export function forgetIntent(boardId: string, candidateId: string): void {
  const entries = all();
  if (entries.some((e) => sameTarget(e.intent, { boardId, candidateId }))) {
    save(entries.filter((e) => !sameTarget(e.intent, { boardId, candidateId })));
  }
}
