import {
  boardIdSchema,
  candidateIdSchema,
  leaderboardQuerySchema,
  memberQuerySchema,
  totalsQuerySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { z } from 'zod';
import { queryBoard } from '../../boards/queries.js';
import type { AppContext } from '../../deps.js';
import { parseInput } from '../validate.js';

const boardParams = z.object({ boardId: boardIdSchema });
const memberParams = z.object({ boardId: boardIdSchema, candidateId: candidateIdSchema });

/**
 * The board reads. Each answers from one atomic script call with the board's seq and totals:
 * - `GET /api/boards/:boardId/leaderboard?window=all|day&day=&offset=&limit=` top N or a page;
 * - `GET /api/boards/:boardId/members/:candidateId?window=&day=` one member's rank and score;
 * - `GET /api/boards/:boardId/members/:candidateId/around?k=&window=&day=` the member ± k ranks;
 * - `GET /api/boards/:boardId/totals?window=&day=` votes and members.
 */
export function leaderboardRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/boards/:boardId/leaderboard', async (req, res) => {
    const { boardId } = parseInput(boardParams, req.params, 'params');
    const query = parseInput(leaderboardQuerySchema, req.query, 'query');
    res.json(await queryBoard(ctx, { type: 'range', boardId, ...query }));
  });
  router.get('/api/boards/:boardId/members/:candidateId', async (req, res) => {
    const { boardId, candidateId } = parseInput(memberParams, req.params, 'params');
    const { k: _k, ...query } = parseInput(memberQuerySchema, req.query, 'query');
    res.json(await queryBoard(ctx, { type: 'member', boardId, candidateId, ...query }));
  });
  router.get('/api/boards/:boardId/members/:candidateId/around', async (req, res) => {
    const { boardId, candidateId } = parseInput(memberParams, req.params, 'params');
    const query = parseInput(memberQuerySchema, req.query, 'query');
    res.json(await queryBoard(ctx, { type: 'around', boardId, candidateId, ...query }));
  });
  router.get('/api/boards/:boardId/totals', async (req, res) => {
    const { boardId } = parseInput(boardParams, req.params, 'params');
    const query = parseInput(totalsQuerySchema, req.query, 'query');
    res.json(await queryBoard(ctx, { type: 'totals', boardId, ...query }));
  });
  return router;
}
