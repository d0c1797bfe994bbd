import type { LedgerVote, VoteReads } from '@rallyboard/core/db';
import {
  AppError,
  boardIdSchema,
  ERROR_CATALOGUE,
  type ErrorCode,
  myLikesQuerySchema,
  myLikesSchema,
  nextCursorSchema,
  pageCursorSchema,
  quotaStatusSchema,
  type VoteStatus,
  voteIdSchema,
  voteStatusSchema,
} from '@rallyboard/core/protocol';
import { type KeyBuilder, parseVerdict, type RedisClient, readLiked } from '@rallyboard/core/redis';
import { Router } from 'express';
import { z } from 'zod';
import type { BoardLookup } from '../boards/lookup.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { readQuotaStatus } from './quotas.js';
import type { VoteIds } from './vote-ids.js';

const boardParams = z.object({ boardId: boardIdSchema });
const voteParams = z.object({ boardId: boardIdSchema, voteId: voteIdSchema });
const myVotesQuery = z
  .strictObject({
    boardId: boardIdSchema,
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** Page on from where the previous page left off (its `nextCursor`). */
    cursor: pageCursorSchema.optional(),
    /**
     * Page on: votes accepted before this instant. Kept for older clients; votes accepted in the
     * same millisecond as the previous page's last one are skipped, which `cursor` never does.
     */
    before: z.iso.datetime().optional(),
  })
  .refine((q) => q.cursor === undefined || q.before === undefined, {
    message: 'page on with cursor or before, not both',
    path: ['before'],
  });
const myVotesSchema = z.object({
  votes: z.array(voteStatusSchema),
  nextCursor: nextCursorSchema,
  /** For clients that page with `before`: the last listed vote's acceptance time. */
  nextBefore: z.iso.datetime().nullable(),
});

const rejectedWith = (reason: string | undefined) => {
  const code = (reason ?? 'INTERNAL') as ErrorCode;
  return { reason: code, message: ERROR_CATALOGUE[code]?.message ?? reason ?? '' };
};

/**
 * Where a vote stands, from its ledger record. A review outranks the verdict: a counted vote a
 * host voided is rejected (VOIDED), and one held after its cluster was found is held.
 */
const statusOfRecord = (record: LedgerVote): VoteStatus => {
  const state = record.review?.state;
  const voided = state === 'voided';
  const status = voided ? 'rejected' : state === 'held' ? 'held' : record.verdict;
  return {
    voteId: record._id,
    boardId: record.boardId,
    status,
    ...(status === 'rejected' ? rejectedWith(voided ? 'VOIDED' : record.reason) : {}),
    candidateId: record.candidateId,
    action: record.action === 'retract' ? undefined : record.action,
    decidedAt: record.decidedAt.toISOString(),
  };
};

export interface MyVotesRouteDeps {
  api: Api;
  redis: RedisClient;
  keys: KeyBuilder;
  boards: Pick<BoardLookup, 'require'>;
  voteIds: Pick<VoteIds, 'owns'>;
  votes: Pick<VoteReads, 'vote' | 'voterVotes'>;
}

/**
 * A participant's own votes: one vote's status (even while it is queued: its id says whose it
 * is, see ingest/vote-ids.ts), their decided votes on a board, and their remaining quota.
 */
export function myVotesRouter(deps: MyVotesRouteDeps): Router {
  const router = Router();
  const tag = 'Votes';

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/votes/:voteId',
      tag,
      summary: 'One of my votes: queued, counted, unchanged, held or rejected (with the reason)',
      auth: 'participant',
      params: voteParams,
      responses: { 200: { description: 'Where the vote stands.', schema: voteStatusSchema } },
      errors: ['VOTE_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const { boardId, voteId } = params;
      if (!deps.voteIds.owns(voteId, boardId, auth.participantId)) throw new AppError('VOTE_NOT_FOUND');
      const record = await whenAvailable(() => deps.votes.vote(boardId, voteId));
      let answer: VoteStatus;
      if (record) {
        answer = statusOfRecord(record);
      } else {
        // Decided in Redis, record not written yet; or still on the queue.
        const marker = await whenAvailable(() => deps.redis.get(deps.keys.board(boardId).vote(voteId)));
        const verdict = marker ? parseVerdict(marker, false) : undefined;
        answer = verdict
          ? {
              voteId,
              boardId,
              status: verdict.verdict,
              ...(verdict.verdict === 'rejected' ? rejectedWith(verdict.reason) : {}),
            }
          : { voteId, boardId, status: 'queued' };
      }
      res.json(answer);
    },
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/me/votes',
      tag,
      summary: 'My decided votes on a board, newest first',
      description: 'Votes still on the queue are not listed; ask for one by its id to see it queued.',
      auth: 'participant',
      query: myVotesQuery,
      responses: { 200: { description: 'A page of votes.', schema: myVotesSchema } },
    },
    async ({ auth, query }, _req, res) => {
      // Not the compensations review makes on the voter's behalf (retractions, re-counts).
      const page = await whenAvailable(() =>
        deps.votes.voterVotes({ ...query, voterId: auth.participantId }),
      );
      const last = page.items.at(-1);
      res.json({
        votes: page.items.map(statusOfRecord),
        nextCursor: page.nextCursor,
        nextBefore: page.nextCursor && last ? last.acceptedAt.toISOString() : null,
      });
    },
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/quota',
      tag,
      summary: 'My remaining votes on a board, and when they reset',
      auth: 'participant',
      params: boardParams,
      responses: { 200: { description: 'Limits, use and what remains.', schema: quotaStatusSchema } },
      errors: ['BOARD_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const board = await whenAvailable(() => deps.boards.require(params.boardId));
      const status = await whenAvailable(() =>
        readQuotaStatus(deps, { boardId: params.boardId, ...board }, auth.participantId),
      );
      res.json(status);
    },
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/likes/mine',
      tag,
      summary: 'Which of these candidates I like now, on a like board',
      description:
        'Up to 100 candidate ids, comma-separated; answered from the like sets in one Redis round ' +
        'trip, so it is exact however many likes and unlikes I have made. Unknown ids are not liked.',
      auth: 'participant',
      params: boardParams,
      query: myLikesQuerySchema,
      responses: {
        200: { description: 'The asked candidates I like, in the order asked.', schema: myLikesSchema },
      },
      errors: ['BOARD_NOT_FOUND', 'ACTION_NOT_ALLOWED'],
    },
    async ({ auth, params, query }, _req, res) => {
      const board = await whenAvailable(() => deps.boards.require(params.boardId));
      if (board.kind !== 'like') {
        throw new AppError('ACTION_NOT_ALLOWED', { details: { kind: board.kind, action: 'like' } });
      }
      const liked = await whenAvailable(() =>
        readLiked(deps.redis, deps.keys, params.boardId, auth.participantId, query.candidateIds),
      );
      res.json({ liked });
    },
  );
  return router;
}
