import { boardIdSchema, leaderboardQuerySchema } from '@rallyboard/core/protocol';
import { readLeaderboard } from '@rallyboard/core/redis';
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { whenAvailable } from '../unavailable.js';
import { parseInput } from '../validate.js';

const paramsSchema = z.object({ boardId: boardIdSchema });

/** `GET /api/boards/:boardId/leaderboard?limit=N`: the top N and the board's seq, read atomically. */
export function leaderboardRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/api/boards/:boardId/leaderboard', async (req, res) => {
    const { boardId } = parseInput(paramsSchema, req.params, 'params');
    const { limit } = parseInput(leaderboardQuerySchema, req.query, 'query');
    res.json(await whenAvailable(() => readLeaderboard(deps.redis, deps.keys, boardId, limit)));
  });
  return router;
}
