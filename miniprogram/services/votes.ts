import { type CastVoteAccepted, castVoteAcceptedSchema, type VoteAction } from '../protocol/votes.js';
import { authorized } from './auth.js';
import { deviceFingerprint, deviceId, randomId } from './device.js';
import { withRetries } from './request.js';

/**
 * One vote the user meant to cast, with its idempotency key made when they tapped. Every send
 * of it carries the same key, so however many times it is retried the server counts it once.
 */
export interface VoteIntent {
  boardId: string;
  candidateId: string;
  action: VoteAction;
  idempotencyKey: string;
  /** Page shown → tap, for risk control. */
  dwellMs?: number;
  /** The share that brought the voter (referral attribution). */
  shareToken?: string;
}

export function voteIntent(fields: Omit<VoteIntent, 'idempotencyKey'>): VoteIntent {
  return { ...fields, idempotencyKey: `mp-${Date.now().toString(36)}-${randomId(12)}` };
}

/** Sends a vote once: 202 with its id, or an ApiError. */
export function sendVote(intent: VoteIntent): Promise<CastVoteAccepted> {
  return authorized(
    {
      method: 'POST',
      path: `/api/boards/${intent.boardId}/votes`,
      headers: {
        'idempotency-key': intent.idempotencyKey,
        'x-device-id': deviceId(),
        'x-device-fingerprint': deviceFingerprint(),
      },
      body: {
        candidateId: intent.candidateId,
        action: intent.action,
        ...(intent.dwellMs === undefined ? {} : { dwellMs: intent.dwellMs }),
        ...(intent.shareToken === undefined ? {} : { shareToken: intent.shareToken }),
      },
    },
    castVoteAcceptedSchema,
  );
}

const RECENT_KEY = 'rallyboard.recentVotes';
const RECENT_MAX = 50;

/** A vote this install sent, kept so "my votes" can show it while it is still queued. */
export interface SentVote {
  boardId: string;
  voteId: string;
  candidateId: string;
  action: VoteAction;
  at: number;
}

export function recentVotes(boardId: string): SentVote[] {
  const value: unknown = wx.getStorageSync(RECENT_KEY);
  return (Array.isArray(value) ? (value as SentVote[]) : []).filter((v) => v.boardId === boardId);
}

function remember(vote: SentVote): void {
  const value: unknown = wx.getStorageSync(RECENT_KEY);
  const all = (Array.isArray(value) ? (value as SentVote[]) : []).filter((v) => v.voteId !== vote.voteId);
  wx.setStorageSync(RECENT_KEY, [vote, ...all].slice(0, RECENT_MAX));
}

/**
 * Casts a vote, retrying with the same idempotency key when the network drops or the server
 * answers 503 (the vote may or may not have been queued: the key makes both cases safe, and
 * a fresh tap would be a second vote). Catalogue refusals are not retried: they come back as an
 * ApiError with the Chinese message to show.
 * @param retries how many more sends after such a failure; @default 2
 */
export async function castVote(intent: VoteIntent, retries = 2): Promise<CastVoteAccepted> {
  const accepted = await withRetries(() => sendVote(intent), retries);
  remember({
    boardId: intent.boardId,
    voteId: accepted.voteId,
    candidateId: intent.candidateId,
    action: intent.action,
    at: Date.now(),
  });
  return accepted;
}
