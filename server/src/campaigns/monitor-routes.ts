import { type CampaignMonitor, campaignMonitorSchema } from '@rallyboard/core/protocol';
import { type VoteJob, voteQueueLagMs } from '@rallyboard/core/queue';
import { boardFenced, readDeadLetters, readIngestRate, readVerdictTotals } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { type BoardReadDeps, queryBoard } from '../boards/queries.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import type { CampaignAccess } from './access.js';
import { campaignParams } from './params.js';

/** The votes queue's depth, and its lag (the age of the oldest job not yet done: voteQueueLagMs). */
async function readQueueState(queue: Queue<VoteJob>, now: number): Promise<CampaignMonitor['queue']> {
  const [counts, lagMs] = await Promise.all([
    queue.getJobCounts('waiting', 'delayed', 'active'),
    voteQueueLagMs(queue, now),
  ]);
  const waiting = counts.waiting ?? 0;
  const delayed = counts.delayed ?? 0;
  const active = counts.active ?? 0;
  return { waiting, delayed, active, depth: waiting + delayed + active, lagMs };
}

export interface MonitorRouteDeps extends BoardReadDeps {
  api: Api;
  loadCampaign: CampaignAccess;
  voteQueue: Queue<VoteJob>;
}

/**
 * `GET /api/campaigns/:campaignId/monitor`: what the console's live monitor polls every couple of
 * seconds. Everything comes from counters the server and the workers already keep in Redis and
 * from the queue, never from the ledger, so polling costs the same at a million votes as at ten.
 */
export function monitorRouter(deps: MonitorRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/monitor',
      tag: 'Console',
      summary: "The campaign's live monitor: votes per second, the queue, verdicts",
      description:
        'Votes accepted in each of the last 60 seconds and their mean; the live ranking total; the votes ' +
        'the workers counted, held and rejected so far; the votes queue (shared by all campaigns) in jobs: ' +
        "waiting, delayed, active, and the age of the oldest unfinished job (the workers' lag); the campaign's " +
        'dead letters (vote jobs that failed for good, and their votes, not counted until replayed); whether a ' +
        'rebuild from the ledger fences the board (its votes wait). Read from ' +
        'Redis tallies, never the ledger. A campaign the host neither created nor co-hosts answers ' +
        'CAMPAIGN_NOT_FOUND.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The monitor.', schema: campaignMonitorSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const now = Date.now();
      const [perSecond, verdicts, totals, queue, deadLetters, rebuilding] = await Promise.all([
        whenAvailable(() => readIngestRate(deps.redis, deps.keys, params.campaignId, now)),
        whenAvailable(() => readVerdictTotals(deps.redis, deps.keys, params.campaignId)),
        // The counted total (live: a frozen campaign's public total stops at the freeze).
        queryBoard(deps, { type: 'totals', boardId: params.campaignId, window: 'all' }, { live: true }),
        whenAvailable(() => readQueueState(deps.voteQueue, now)),
        whenAvailable(() => readDeadLetters(deps.redis, deps.keys, params.campaignId)),
        whenAvailable(() => boardFenced(deps.redis, deps.keys, params.campaignId)),
      ]);
      const sum = perSecond.reduce((n, s) => n + s.votes, 0);
      const answer: CampaignMonitor = {
        at: new Date(now).toISOString(),
        status: campaign.status,
        votesPerSecond: perSecond.map((s) => ({ at: new Date(s.at).toISOString(), votes: s.votes })),
        rate: perSecond.length === 0 ? 0 : sum / perSecond.length,
        total: totals.totals.votes,
        verdicts,
        queue,
        deadLetters,
        rebuilding,
      };
      res.json(answer);
    },
  );
  return router;
}
