import { campaignModel, type LedgerVote, ledgerModel } from '@rallyboard/core/db';
import {
  AppError,
  type HeldGroup,
  type HeldVote,
  heldListSchema,
  heldQuerySchema,
  type ReviewAction,
  reviewActionSchema,
  reviewBodySchema,
  voidRuleSchema,
} from '@rallyboard/core/protocol';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';
import { isNetwork } from '@rallyboard/core/risk';
import type { Job } from 'bullmq';
import { Router } from 'express';
import { z } from 'zod';
import { loadCampaign } from '../../campaigns/access.js';
import type { AppContext } from '../../deps.js';
import { clientIp } from '../client-ip.js';
import { whenAvailable } from '../unavailable.js';
import { campaignParams } from './campaigns.js';

const actionParams = campaignParams.extend({
  actionId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[0-9]+$/),
});

const HELD_SCAN_MAX = 20_000;

function heldVoteOf(record: LedgerVote): HeldVote {
  return {
    voteId: record._id,
    candidateId: record.candidateId,
    action: record.action,
    ...(record.voterId ? { voterId: record.voterId } : {}),
    acceptedAt: record.acceptedAt.toISOString(),
    counted: record.verdict === 'counted',
    ...(record.context?.ip ? { ip: record.context.ip } : {}),
    ...(record.context?.deviceId ? { deviceId: record.context.deviceId } : {}),
    ...(record.context?.fingerprint ? { fingerprint: record.context.fingerprint } : {}),
    score: record.risk?.score ?? 0,
    reasons: record.risk?.reasons ?? [],
    clusters: [...(record.risk?.clusters ?? []), ...(record.review?.cluster ? [record.review.cluster] : [])],
  };
}

/** Groups held votes by rule or by cluster, biggest group first. */
function groupHeld(votes: readonly HeldVote[], by: 'reason' | 'cluster'): HeldGroup[] {
  const groups = new Map<
    string,
    { votes: number; voters: Set<string>; candidates: Map<string, number>; label: string }
  >();
  for (const vote of votes) {
    const keys = by === 'reason' ? vote.reasons.map((r) => r.rule as string) : vote.clusters;
    for (const key of keys.length > 0 ? keys : ['(none)']) {
      let group = groups.get(key);
      if (!group) {
        const sample = vote.reasons.find((r) => r.rule === key);
        const label =
          by === 'reason'
            ? (sample?.text ?? key)
            : key.startsWith('device:') || key.startsWith('voter:') || key.startsWith('ring:')
              ? `${key.split(':')[0]} ${key.slice(key.indexOf(':') + 1)}`
              : key.replace(':', ' ').replace('@', ', voting for ');
        group = { votes: 0, voters: new Set(), candidates: new Map(), label };
        groups.set(key, group);
      }
      group.votes++;
      if (vote.voterId) group.voters.add(vote.voterId);
      group.candidates.set(vote.candidateId, (group.candidates.get(vote.candidateId) ?? 0) + 1);
    }
  }
  return [...groups]
    .map(([key, g]) => ({
      key,
      label: g.label,
      votes: g.votes,
      voters: g.voters.size,
      candidates: [...g.candidates]
        .map(([candidateId, n]) => ({ candidateId, votes: n }))
        .sort((a, b) => b.votes - a.votes),
    }))
    .sort((a, b) => b.votes - a.votes || a.key.localeCompare(b.key));
}

function actionView(job: Job<ReviewJob, ReviewJobResult>, state: string): ReviewAction {
  const progress = (typeof job.progress === 'object' ? job.progress : {}) as Partial<
    ReviewJobResult & { progress: number }
  >;
  const result = job.returnvalue ?? undefined;
  const done = state === 'completed';
  return {
    id: String(job.id),
    kind: job.data.kind,
    state: done ? 'done' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'queued',
    matched: result?.matched ?? progress.matched ?? 0,
    changed: result?.changed ?? progress.changed ?? 0,
    unchanged: result?.unchanged ?? progress.unchanged ?? 0,
    progress: done ? 1 : (progress.progress ?? 0),
    ...(job.failedReason && state === 'failed' ? { error: job.failedReason } : {}),
    requestedBy: job.data.by,
    requestedAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
  };
}
/**
 * The review queue for hosts: held votes grouped by reason or cluster, approve or void them in
 * bulk, void by rule, and each review action's progress. Approvals and voids run as review jobs
 * in the workers (workers/src/review), so a change of any size answers 202 at once with the
 * action to follow.
 */
export function reviewRouter(ctx: AppContext): Router {
  const router = Router();
  const campaigns = campaignModel(ctx.mongo);
  const ledger = ledgerModel(ctx.mongo);
  const tag = 'Risk control';

  async function enqueue(job: ReviewJob): Promise<ReviewAction> {
    const added = await whenAvailable(() => ctx.reviewQueue.add(job.kind, job));
    return actionView(added, 'waiting');
  }

  ctx.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/review/held',
      tag,
      summary: 'Held votes, grouped by reason or by cluster',
      description:
        'Votes risk control held: never counted, or counted and then held when their cluster (a device, a ' +
        'network voting for one candidate, a voter with machine timing) was found. `groupBy` answers groups ' +
        '(a rule or a cluster, with its votes, voters and candidates); otherwise, or with `reason` or ' +
        '`cluster`, the votes themselves (up to `limit`, oldest first).',
      auth: 'host',
      params: campaignParams,
      query: heldQuerySchema,
      responses: { 200: { description: 'The held votes.', schema: heldListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const filter: Record<string, unknown> = { boardId: params.campaignId, 'review.state': 'held' };
      if (query.reason) filter['risk.reasons.rule'] = query.reason;
      if (query.cluster)
        filter.$or = [{ 'risk.clusters': query.cluster }, { 'review.cluster': query.cluster }];
      const records = await whenAvailable(() =>
        ledger.find(filter).sort({ acceptedAt: 1, _id: 1 }).limit(HELD_SCAN_MAX).lean<LedgerVote[]>(),
      );
      const votes = records.map(heldVoteOf);
      if (query.groupBy) {
        res.json({ held: votes.length, groups: groupHeld(votes, query.groupBy) });
        return;
      }
      res.json({ held: votes.length, votes: votes.slice(0, query.limit ?? 100) });
    },
  );

  ctx.api.route(
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
      await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const action = await enqueue({
        kind: body.decision,
        campaignId: params.campaignId,
        select: body.select,
        by: auth.hostId,
        ...(body.note ? { note: body.note } : {}),
      });
      await ctx.audit({
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

  ctx.api.route(
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
      await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const action = await enqueue({
        kind: 'void-by-rule',
        campaignId: params.campaignId,
        rule: body,
        by: auth.hostId,
      });
      await ctx.audit({
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

  ctx.api.route(
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
      await whenAvailable(() => loadCampaign(campaigns, auth, params.campaignId));
      const job = await whenAvailable(() => ctx.reviewQueue.getJob(params.actionId));
      if (!job || job.data.campaignId !== params.campaignId) throw new AppError('REVIEW_ACTION_NOT_FOUND');
      res.json(actionView(job, await job.getState()));
    },
  );

  return router;
}
