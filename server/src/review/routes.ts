import type { VoteReads } from '@rallyboard/core/db';
import {
  AppError,
  heldListSchema,
  heldQuerySchema,
  type ReviewAction,
  reviewActionSchema,
  reviewBodySchema,
  voidRuleSchema,
} from '@rallyboard/core/protocol';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';
import { isNetwork } from '@rallyboard/core/risk';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/log.js';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { actionView, currentActionView, groupHeld, heldVoteOf } from './held.js';

const actionParams = campaignParams.extend({
  actionId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[0-9]+$/),
});

/** The most held votes grouping reads (oldest first); past it the answer says `partial`. */
const HELD_GROUP_SCAN_MAX = 20_000;
const tag = 'Risk control';

/** Queues a review job and answers the action to follow. */
async function enqueue(deps: Pick<ReviewRouteDeps, 'reviewQueue'>, job: ReviewJob): Promise<ReviewAction> {
  const added = await whenAvailable(() => deps.reviewQueue.add(job.kind, job));
  return actionView(added, 'waiting');
}

export interface ReviewRouteDeps {
  api: Api;
  audit: AuditLog;
  loadCampaign: CampaignAccess;
  votes: Pick<VoteReads, 'heldCount' | 'heldPage' | 'heldScan'>;
  /** Producer side of the review queue: approvals and voids run in the workers. */
  reviewQueue: Queue<ReviewJob, ReviewJobResult>;
}

/**
 * The review queue for hosts: held votes grouped by reason or cluster, approve or void them in
 * bulk, void by rule, and each review action's progress. Approvals and voids run as review jobs
 * in the workers (workers/src/review), so a change of any size answers 202 at once with the
 * action to follow.
 */
export function reviewRouter(deps: ReviewRouteDeps): Router {
  const router = Router();
  heldRoutes(router, deps);
  reviewActionRoutes(router, deps);
  return router;
}

/** The held votes, listed or grouped. */
function heldRoutes(router: Router, deps: ReviewRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/review/held',
      tag,
      summary: 'Held votes, grouped by reason or by cluster',
      description:
        'Votes risk control held: never counted, or counted and then held when their cluster (a device, a ' +
        'network voting for one candidate, a voter in lockstep or with machine timing, a wave of fast new ' +
        'accounts, an inviter whose links brought a farm) was found. `groupBy` answers groups ' +
        '(a rule or a cluster, with its votes, voters and candidates; over the oldest 20,000 held votes, ' +
        '`partial` when there are more); otherwise, or with `reason` or `cluster`, the votes themselves, ' +
        'newest first, a page of `limit` (default 100) at a time: pass `nextCursor` as `cursor` for the next.',
      auth: 'host',
      params: campaignParams,
      query: heldQuerySchema,
      responses: { 200: { description: 'The held votes.', schema: heldListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const held = await whenAvailable(() => deps.votes.heldCount(params.campaignId, query));
      if (query.groupBy) {
        const groupBy = query.groupBy;
        const { groups, read } = await whenAvailable(async () => {
          const records = deps.votes.heldScan(params.campaignId, query, HELD_GROUP_SCAN_MAX);
          try {
            return await groupHeld(records, groupBy);
          } finally {
            await records.close();
          }
        });
        res.json({ held, groups, ...(held > read ? { partial: true } : {}) });
        return;
      }
      const page = await whenAvailable(() =>
        deps.votes.heldPage(params.campaignId, query, { limit: query.limit ?? 100, cursor: query.cursor }),
      );
      res.json({ held, votes: page.items.map(heldVoteOf), nextCursor: page.nextCursor });
    },
  );
}

/** Approve, void, void by rule, and follow an action. */
function reviewActionRoutes(router: Router, deps: ReviewRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/review',
      tag,
      summary: 'Approve or void held votes in bulk',
      description:
        'Selects held votes by id, by reason (a rule) or by cluster, and approves them (they count now, once) ' +
        'or voids them (they never count; one that had been counted is taken back). Runs in the background: ' +
        'follow the answered action. Running the same selection again changes nothing it already did.',
      auth: 'host',
      params: campaignParams,
      body: reviewBodySchema,
      responses: { 202: { description: 'The review action, queued.', schema: reviewActionSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, body }, req, res) => {
      await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const action = await enqueue(deps, {
        kind: body.decision,
        campaignId: params.campaignId,
        select: body.select,
        by: auth.hostId,
        ...(body.note ? { note: body.note } : {}),
      });
      await deps.audit({
        actor: auth,
        ip: clientIp(req),
        action: body.decision === 'approve' ? 'review.approve' : 'review.void',
        target: { type: 'review', id: action.id },
        campaignId: params.campaignId,
        before: null,
        after: { select: body.select, note: body.note ?? null },
      });
      res.status(202).json(action);
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/review/void-by-rule',
      tag,
      summary: 'Void every vote that matches a rule',
      description:
        'Voids the votes accepted between `from` and `to` that match every condition given (candidate, an IP ' +
        'or CIDR block, device id, voter): held ones never count, counted ones are taken back through the same ' +
        'exactly-once path as votes, and live screens see the change. Runs in the background with progress; ' +
        're-running it changes nothing.',
      auth: 'host',
      params: campaignParams,
      body: voidRuleSchema,
      responses: { 202: { description: 'The review action, queued.', schema: reviewActionSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, body }, req, res) => {
      if (body.network && !isNetwork(body.network)) {
        throw new AppError('INVALID_INPUT', {
          details: [{ path: 'network', message: 'must be an IP address or a CIDR block' }],
        });
      }
      await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const action = await enqueue(deps, {
        kind: 'void-by-rule',
        campaignId: params.campaignId,
        rule: body,
        by: auth.hostId,
      });
      await deps.audit({
        actor: auth,
        ip: clientIp(req),
        action: 'review.void-by-rule',
        target: { type: 'review', id: action.id },
        campaignId: params.campaignId,
        before: null,
        after: body,
      });
      res.status(202).json(action);
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/review/actions/:actionId',
      tag,
      summary: 'A review action and its progress',
      auth: 'host',
      params: actionParams,
      responses: { 200: { description: 'The action.', schema: reviewActionSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'REVIEW_ACTION_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const job = await whenAvailable(() => deps.reviewQueue.getJob(params.actionId));
      if (!job || job.data.campaignId !== params.campaignId) throw new AppError('REVIEW_ACTION_NOT_FOUND');
      res.json(await whenAvailable(() => currentActionView(deps.reviewQueue, job)));
    },
  );
}
