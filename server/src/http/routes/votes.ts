import { createHash, randomUUID } from 'node:crypto';
import {
  AppError,
  acceptsVotes,
  boardIdSchema,
  type CastVoteAccepted,
  castVoteAcceptedSchema,
  castVoteBodySchema,
  idempotencyKeySchema,
  voterIdSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../deps.js';
import { whenAvailable } from '../unavailable.js';

const paramsSchema = z.object({ boardId: boardIdSchema });
const headersSchema = z.object({
  'idempotency-key': idempotencyKeySchema.optional(),
  /** The mini-program's per-install id. */
  'x-device-id': voterIdSchema.optional(),
});

/**
 * A vote's id: derived from the client's Idempotency-Key (the same key on the same board always
 * names the same vote, so a retried request cannot count twice), or a fresh UUID.
 */
export function voteIdFor(boardId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  return `k-${createHash('sha256').update(`${boardId}\n${idempotencyKey}`).digest('base64url').slice(0, 40)}`;
}

/**
 * Ingest: `POST /api/boards/:boardId/votes` validates, checks the board and candidate (a fast
 * path: the worker decides atomically), puts the vote on the queue and answers 202.
 */
export function votesRouter(ctx: AppContext): Router {
  const router = Router();
  ctx.api.route(
    router,
    {
      method: 'post',
      path: '/api/boards/:boardId/votes',
      tag: 'Votes',
      summary: 'Cast a vote, a like or an unlike',
      description:
        'Checks the board and candidate (a fast path: the worker decides atomically), puts the vote ' +
        'on the queue and answers 202. The same `Idempotency-Key` always names the same vote.',
      auth: 'public',
      params: paramsSchema,
      headers: headersSchema,
      body: castVoteBodySchema,
      responses: { 202: { description: 'Queued; not counted yet.', schema: castVoteAcceptedSchema } },
      errors: [
        'BOARD_NOT_FOUND',
        'CAMPAIGN_NOT_LIVE',
        'UNKNOWN_MEMBER',
        'ACTION_NOT_ALLOWED',
        'VOTER_REQUIRED',
        'RATE_LIMITED',
        'BOARD_REBUILDING',
      ],
    },
    async ({ params, headers, body }, req, res) => {
      const { boardId } = params;
      // Limits before any other work: a flood costs one Redis round trip per request.
      await whenAvailable(() =>
        ctx.rateLimit({ ip: req.ip ?? 'unknown', deviceId: headers['x-device-id'], voterId: body.voterId }),
      );
      const board = await whenAvailable(() => ctx.boards.require(boardId));
      if (board.status !== undefined && !acceptsVotes(board.status)) {
        throw new AppError('CAMPAIGN_NOT_LIVE', { details: { status: board.status } });
      }
      if (!board.members.has(body.candidateId)) throw new AppError('UNKNOWN_MEMBER');
      if ((board.kind === 'vote') !== (body.action === 'vote')) {
        throw new AppError('ACTION_NOT_ALLOWED', { details: { kind: board.kind, action: body.action } });
      }
      if (board.kind === 'like' && body.voterId === undefined) throw new AppError('VOTER_REQUIRED');

      const voteId = voteIdFor(boardId, headers['idempotency-key']);
      await whenAvailable(() =>
        ctx.enqueue(boardId, {
          voteId,
          candidateId: body.candidateId,
          action: body.action,
          ...(body.voterId === undefined ? {} : { voterId: body.voterId }),
          acceptedAt: Date.now(),
        }),
      );
      const answer: CastVoteAccepted = { voteId, status: 'queued' };
      res.status(202).json(answer);
    },
  );
  return router;
}
