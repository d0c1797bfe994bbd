import { randomUUID } from 'node:crypto';
import {
  AppError,
  boardIdSchema,
  type CastVoteAccepted,
  castVoteBodySchema,
} from '@rallyboard/core/protocol';
import { VOTE_JOB, voteJobId } from '@rallyboard/core/queue';
import { assertCandidate } from '@rallyboard/core/redis';
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { whenAvailable } from '../unavailable.js';
import { parseInput } from '../validate.js';

const paramsSchema = z.object({ boardId: boardIdSchema });

/** Ingest: `POST /api/boards/:boardId/votes` validates, checks the board, enqueues, answers 202. */
export function votesRouter(deps: AppDeps): Router {
  const router = Router();
  router.post('/api/boards/:boardId/votes', async (req, res) => {
    if (!req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    const { boardId } = parseInput(paramsSchema, req.params, 'params');
    const { candidateId } = parseInput(castVoteBodySchema, req.body ?? {}, 'body');

    // Fast path only: the worker checks the candidate again, atomically, when it applies.
    await whenAvailable(() => assertCandidate(deps.redis, deps.keys, boardId, candidateId));

    const voteId = randomUUID();
    await whenAvailable(() =>
      deps.voteQueue.add(
        VOTE_JOB,
        { voteId, boardId, candidateId, acceptedAt: Date.now() },
        { jobId: voteJobId(voteId) },
      ),
    );
    const answer: CastVoteAccepted = { voteId, status: 'queued' };
    res.status(202).json(answer);
  });
  return router;
}
