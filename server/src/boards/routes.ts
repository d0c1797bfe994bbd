import {
  boardIdSchema,
  boardViewSchema,
  candidateIdSchema,
  leaderboardQuerySchema,
  memberQuerySchema,
  memberViewSchema,
  totalsQuerySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { z } from 'zod';
import type { Api } from '../http/api.js';
import { type BoardReadDeps, queryBoard } from './queries.js';

const boardParams = z.object({ boardId: boardIdSchema });
const memberParams = z.object({ boardId: boardIdSchema, candidateId: candidateIdSchema });

export interface LeaderboardRouteDeps extends BoardReadDeps {
  api: Api;
}

/**
 * The board reads. Each answers from one atomic script call with the board's seq and totals
 * (an ended period from its archive: see queries.ts). Each takes `view=groups` (the groups by
 * their totals) or `group=<id>` (one group's candidates) besides the board's own ranking:
 * - `GET /api/boards/:boardId/leaderboard?window=all|day|week|month&day=&offset=&limit=` top N or a page;
 * - `GET /api/boards/:boardId/members/:candidateId?window=&day=` one member's rank and score;
 * - `GET /api/boards/:boardId/members/:candidateId/around?k=&window=&day=` the member ± k ranks;
 * - `GET /api/boards/:boardId/totals?window=&day=` votes and members.
 */
export function leaderboardRouter(deps: LeaderboardRouteDeps): Router {
  const router = Router();
  const tag = 'Leaderboard';
  const errors = ['BOARD_NOT_FOUND', 'GROUP_NOT_FOUND'] as const;
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/leaderboard',
      tag,
      summary: 'Top N, or a page of ranks',
      auth: 'public',
      params: boardParams,
      query: leaderboardQuerySchema,
      responses: {
        200: {
          description: 'The ranking, read atomically with its seq and totals.',
          schema: boardViewSchema,
        },
      },
      errors,
    },
    async ({ params, query }, _req, res) => {
      res.json(await queryBoard(deps, { type: 'range', boardId: params.boardId, ...query }));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/members/:candidateId',
      tag,
      summary: "One member's rank and score",
      auth: 'public',
      params: memberParams,
      query: memberQuerySchema,
      responses: { 200: { description: 'The member with the board totals.', schema: memberViewSchema } },
      errors: [...errors, 'UNKNOWN_MEMBER'],
    },
    async ({ params, query }, _req, res) => {
      const { k: _k, ...rest } = query;
      res.json(await queryBoard(deps, { type: 'member', ...params, ...rest }));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/members/:candidateId/around',
      tag,
      summary: 'The ranks around a member (± k)',
      auth: 'public',
      params: memberParams,
      query: memberQuerySchema,
      responses: { 200: { description: 'The member and its neighbours.', schema: memberViewSchema } },
      errors: [...errors, 'UNKNOWN_MEMBER'],
    },
    async ({ params, query }, _req, res) => {
      res.json(await queryBoard(deps, { type: 'around', ...params, ...query }));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/boards/:boardId/totals',
      tag,
      summary: 'Votes and members of a board',
      auth: 'public',
      params: boardParams,
      query: totalsQuerySchema,
      responses: {
        200: { description: 'The totals with the seq they were read at.', schema: boardViewSchema },
      },
      errors,
    },
    async ({ params, query }, _req, res) => {
      res.json(await queryBoard(deps, { type: 'totals', boardId: params.boardId, ...query }));
    },
  );
  return router;
}
