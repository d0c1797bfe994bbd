import {
  AppError,
  acceptsVotes,
  boardIdSchema,
  type CastVoteAccepted,
  castVoteAcceptedSchema,
  castVoteBodySchema,
  deviceFingerprintSchema,
  deviceIdSchema,
  idempotencyKeySchema,
  userAgentSchema,
  type VoteContext,
} from '@rallyboard/core/protocol';
import { type CachedBoard, hasQuotas, type KeyBuilder, type RedisClient } from '@rallyboard/core/redis';
import { Router } from 'express';
import { z } from 'zod';
import type { BoardLookup } from '../boards/lookup.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import type { VoteEnqueuer } from './enqueue.js';
import { assertWithinQuota, readQuotaStatus } from './quotas.js';
import type { RateLimitCheck } from './rate-limits.js';
import type { VoteIds } from './vote-ids.js';

const paramsSchema = z.object({ boardId: boardIdSchema });
const headersSchema = z.object({
  'idempotency-key': idempotencyKeySchema.optional(),
  'x-device-id': deviceIdSchema.optional().describe("The mini-program's per-install id."),
  'x-device-fingerprint': deviceFingerprintSchema
    .optional()
    .describe('A SHA-256 (hex) of device traits, computed by the mini-program.'),
  'user-agent': userAgentSchema.optional(),
});

/**
 * Ingest: `POST /api/boards/:boardId/votes` takes a participant's vote, checks the campaign and
 * candidate (a fast path: the worker decides atomically), charges the rate limits, puts the vote
 * on the queue with its risk context and answers 202.
 */
export interface VotesRouteDeps {
  api: Api;
  redis: RedisClient;
  keys: KeyBuilder;
  boards: Pick<BoardLookup, 'require'>;
  voteIds: Pick<VoteIds, 'issue'>;
  rateLimit: RateLimitCheck;
  enqueue: VoteEnqueuer;
  /** The clock a vote is accepted by: its acceptance time names the day it counts for. */
  now: () => number;
}

/**
 * Refuses a vote (409 CAMPAIGN_NOT_LIVE) unless the board's campaign takes votes at `acceptedAt`:
 * live or frozen, and its end not reached by the clock, since the end job may run late (workers
 * down, the campaign's lock busy) and a vote accepted from the end on must not count meanwhile.
 * A board without a campaign takes votes. Both come from the board cache: no read per vote.
 */
function assertCampaignTakesVotes(board: CachedBoard, acceptedAt: number): void {
  if (board.status !== undefined && !acceptsVotes(board.status)) {
    throw new AppError('CAMPAIGN_NOT_LIVE', { details: { status: board.status } });
  }
  if (board.endAt !== undefined && acceptedAt >= board.endAt) {
    const endAt = new Date(board.endAt).toISOString();
    throw new AppError('CAMPAIGN_NOT_LIVE', {
      message: `The campaign ended at ${endAt}; it takes no more votes.`,
      details: { status: board.status, endAt },
    });
  }
}

/** What ingest's route works with. */
export function votesRouter(deps: VotesRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/boards/:boardId/votes',
      tag: 'Votes',
      summary: 'Cast a vote, a like or an unlike',
      description:
        'The voter is the participant of the token. Checks the campaign (live or frozen, and its ' +
        'end not reached: CAMPAIGN_NOT_LIVE) and the candidate (a fast ' +
        'path: the worker decides atomically), then the rate limits per participant, address and ' +
        'device; puts the vote on the queue with its risk context (address, device id and ' +
        'fingerprint, dwell time, User-Agent, share token) and answers 202. The same ' +
        '`Idempotency-Key` from the same participant always names the same vote. A vote past a ' +
        'quota already spent is refused here; the worker enforces quotas atomically in any case.',
      auth: 'participant',
      params: paramsSchema,
      headers: headersSchema,
      body: castVoteBodySchema,
      responses: { 202: { description: 'Queued; not counted yet.', schema: castVoteAcceptedSchema } },
      errors: [
        'BOARD_NOT_FOUND',
        'CAMPAIGN_NOT_LIVE',
        'UNKNOWN_MEMBER',
        'ACTION_NOT_ALLOWED',
        'QUOTA_EXCEEDED',
        'RATE_LIMITED',
        'BOARD_REBUILDING',
      ],
    },
    async ({ auth, params, headers, body }, req, res) => {
      const { boardId } = params;
      const { participantId } = auth;
      const ip = clientIp(req);
      const idempotencyKey = headers['idempotency-key'];
      const voteId = deps.voteIds.issue(boardId, participantId, idempotencyKey);
      const answer: CastVoteAccepted = { voteId, status: 'queued' };
      // A retry of a vote that was queued or that the workers already decided gets its id again,
      // whatever has changed since (a spent quota or rate limit, an ended campaign): the key
      // names that vote, and it is never cast or charged twice. (A retry after the queued mark
      // expired, the vote still undecided, goes through the checks again; if it passes, the
      // worker finds the same id and counts it once.)
      if (idempotencyKey !== undefined) {
        const board = deps.keys.board(boardId);
        const known = await whenAvailable(() =>
          deps.redis.exists(board.vote(voteId), board.accepted(voteId)),
        );
        if (known > 0) {
          res.status(202).json(answer);
          return;
        }
      }
      // Cheapest refusals first: the campaign and the candidate come from a per-process cache.
      const board = await whenAvailable(() => deps.boards.require(boardId));
      // The vote's acceptance time is this instant: none accepted at or after the end is queued.
      const acceptedAt = deps.now();
      assertCampaignTakesVotes(board, acceptedAt);
      if (!board.members.has(body.candidateId)) throw new AppError('UNKNOWN_MEMBER');
      if ((board.kind === 'vote') !== (body.action === 'vote')) {
        throw new AppError('ACTION_NOT_ALLOWED', { details: { kind: board.kind, action: body.action } });
      }

      // Advisory quota check (QUOTA_EXCEEDED before any limit is charged); the apply script
      // enforces the quotas in any case, atomically with the score.
      if (board.kind === 'vote' && hasQuotas(board.quotas)) {
        const quota = await whenAvailable(() =>
          readQuotaStatus(
            deps,
            { boardId, timezone: board.timezone, quotas: board.quotas },
            participantId,
            acceptedAt,
          ),
        );
        assertWithinQuota(quota, body.candidateId, acceptedAt);
      }

      // Rate limits last before the queue: a refused vote above spends none of them.
      await whenAvailable(() =>
        deps.rateLimit({ ip, deviceId: headers['x-device-id'], voterId: participantId }),
      );

      const context: VoteContext = {
        ip,
        ...(headers['x-device-id'] === undefined ? {} : { deviceId: headers['x-device-id'] }),
        ...(headers['x-device-fingerprint'] === undefined
          ? {}
          : { fingerprint: headers['x-device-fingerprint'] }),
        ...(body.dwellMs === undefined ? {} : { dwellMs: body.dwellMs }),
        ...(headers['user-agent'] ? { userAgent: headers['user-agent'] } : {}),
        ...(body.shareToken === undefined ? {} : { shareToken: body.shareToken }),
      };
      await whenAvailable(() =>
        deps.enqueue(
          boardId,
          {
            voteId,
            candidateId: body.candidateId,
            action: body.action,
            voterId: participantId,
            acceptedAt,
            context,
          },
          { keyed: idempotencyKey !== undefined },
        ),
      );
      res.status(202).json(answer);
    },
  );
  return router;
}
